"""A resident's rights under the GDPR: export finds, and erase removes, every personal trace of
one address and nothing of another's; the dry run changes nothing; each request is recorded."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from gis.notices.models import Message, PersonalDataRequest, Subscription
from gis.notices.personal_data import address_hash
from tests.dashboard.conftest import make_user
from walks.models import PinContact, PinPhoto, PinStatusChange, ResidentPin
from walks.triage import record_status_change

from .conftest import make_pin

pytestmark = pytest.mark.django_db

ANNA, BERT = "anna@example.org", "bert@example.org"


def _follow(pin, email):
    return Client().post(reverse("notices:follow", args=[pin.pk]), {"email": email})


@pytest.fixture
def two_residents(demo):
    """Anna and Bert each reported a place with a photo and support the other's report."""
    anna = make_pin(demo, email=ANNA, photo=True)
    bert = make_pin(demo, email=BERT, photo=True)
    _follow(bert, " Anna@Example.org")
    _follow(anna, BERT)
    for pin in (anna, bert):
        previous = pin.status
        pin.status = "triaged"
        pin.save()
        record_status_change(pin, previous, None, note=f"Ringde {pin.contact.name}")
    return anna, bert


def traces(email: str, pin: ResidentPin) -> dict:
    """What the database holds of one resident (compared before and after)."""
    pin.refresh_from_db()
    return {
        "contact": PinContact.objects.filter(pin=pin, email=email).exists(),
        "photos": PinPhoto.objects.filter(pin=pin).count(),
        "description": pin.description,
        "notes": list(PinStatusChange.objects.filter(pin=pin).values_list("note", flat=True)),
        "subscriptions": Subscription.objects.filter(email=email).count(),
        "messages": Message.objects.filter(recipient=email).count(),
    }


def _run(*args: str) -> str:
    out = StringIO()
    call_command("personal-data".replace("-", "_"), *args, stdout=out)
    return out.getvalue()


def test_export_finds_everything_of_one_address_and_nothing_of_anothers(two_residents, tmp_path):
    anna, bert = two_residents
    exported = json.loads(_run("export", "--email", "  ANNA@example.org "))
    assert [r["id"] for r in exported["reports"]] == [anna.pk]
    assert exported["reports"][0]["description"] == anna.description
    assert exported["contacts"] == [
        {"report": anna.pk, "name": "Boende", "email": ANNA, "phone": "070-1"}
    ]
    assert [p["report"] for p in exported["photos"]] == [anna.pk]
    assert sorted((s["report"], s["role"]) for s in exported["subscriptions"]) == sorted(
        [(anna.pk, "reporter"), (bert.pk, "supporter")]
    )
    assert exported["messages"] and all(BERT not in json.dumps(m) for m in exported["messages"])
    assert BERT not in json.dumps(exported)
    written = tmp_path / "anna.json"
    _run("export", "--email", ANNA, "--output", str(written))
    assert json.loads(written.read_text())["reports"][0]["id"] == anna.pk
    record = PersonalDataRequest.objects.filter(kind="export").latest("pk")
    assert record.address_hash == address_hash(ANNA) and record.counts["reports"] == 1
    assert ANNA not in json.dumps(list(PersonalDataRequest.objects.values()), default=str)


def test_erase_removes_every_trace_of_one_address_and_nothing_of_anothers(two_residents):
    anna, bert = two_residents
    bert_before = traces(BERT, bert)
    anna_before = traces(ANNA, anna)
    assert anna_before["subscriptions"] == 2 and anna_before["photos"] == 1

    dry = json.loads(_run("erase", "--email", ANNA, "--dry-run"))["would_erase"]
    assert traces(ANNA, anna) == anna_before and traces(BERT, bert) == bert_before
    assert dry["contacts"] == 1 and dry["subscriptions"] == 2 and dry["pin_photos"] == 1

    done = json.loads(_run("erase", "--email", "anna@EXAMPLE.org"))["erased"]
    assert done == dry
    assert traces(ANNA, anna) == {
        "contact": False,
        "photos": 0,
        "description": "",
        "notes": [""],
        "subscriptions": 0,
        "messages": 0,
    }
    assert traces(BERT, bert) == bert_before
    assert ResidentPin.objects.filter(pk=anna.pk, status="triaged").exists()  # statistics stay
    assert json.loads(_run("export", "--email", ANNA)) | {"exported_at": None} == {
        "exported_at": None,
        "reports": [],
        "contacts": [],
        "photos": [],
        "subscriptions": [],
        "messages": [],
        "campaign_responses": [],
    }
    kinds = list(
        PersonalDataRequest.objects.filter(address_hash=address_hash(ANNA))
        .order_by("pk")
        .values_list("kind", "dry_run")
    )
    assert kinds == [("erase", True), ("erase", False), ("export", False)]


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--email", "not-an-address"),
        ("erase", "--email", ""),
        ("erase",),
        ("export", "--email", "a@example.org", "--output", "/nonexistent-dir/x.json"),
    ],
)
def test_bad_input_is_a_one_line_error(demo, args):
    with pytest.raises(CommandError) as error:
        _run(*args)
    assert "\n" not in str(error.value).strip()


def test_the_coordinator_finds_exports_and_erases_in_the_back_office(two_residents):
    anna, _bert = two_residents
    url = reverse("notices:personal-data")
    coordinator = Client()
    coordinator.force_login(make_user("coordinator", "pd"))
    assert coordinator.get(url).status_code == 200
    found = coordinator.post(url, {"email": ANNA, "action": "find"})
    assert found.status_code == 200 and ANNA.encode() in found.content
    assert BERT.encode() not in found.content
    export = coordinator.post(url, {"email": ANNA, "action": "export"})
    assert export["Content-Type"].startswith("application/json")
    assert json.loads(export.content)["reports"][0]["id"] == anna.pk
    unconfirmed = coordinator.post(url, {"email": ANNA, "action": "erase"})
    assert unconfirmed.status_code == 200 and b'id="pd-confirm"' in unconfirmed.content
    assert PinContact.objects.filter(email=ANNA).exists()
    erased = coordinator.post(url, {"email": ANNA, "action": "erase", "confirm": "on"})
    assert erased.status_code == 200 and b'id="pd-erased"' in erased.content
    assert not PinContact.objects.filter(email=ANNA).exists()
    assert PinContact.objects.filter(email=BERT).exists()
    by = set(PersonalDataRequest.objects.values_list("requested_by__username", "kind"))
    assert {kind for _user, kind in by} == {"lookup", "export", "erase"}
    assert all(user and user.startswith("pd-coordinator") for user, _kind in by)
    bad = coordinator.post(url, {"email": "nope", "action": "find"})
    assert bad.status_code == 400 and b"pd-email-error" in bad.content


def test_other_roles_are_refused(demo):
    planner = Client()
    planner.force_login(make_user("planner", "pd"))
    assert planner.get(reverse("notices:personal-data")).status_code == 403

"""Shift reports of EST partners: the API (create, replay, bad fields, who may), the page and
"Mina rapporter", which shows a partner its own submissions and nothing of others."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from gis.core.partners import Partner
from layers.models import Incident
from tests.walks.conftest import inside_lonlat
from walks import shift_reports
from walks.models import Category, PinContact, ResidentPin

URL = "/api/shift-reports/"


def make_partner(demo, name: str, kind: str = Partner.Kind.NIGHT_WALKERS) -> Partner:
    return Partner.objects.create(municipality=demo, name=name, kind=kind)


def member(partner: Partner, username: str) -> User:
    user = User.objects.create_user(username, password="x")
    partner.members.add(user)
    return user


def client_of(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def body(demo, **extra) -> dict:
    lon, lat = inside_lonlat(demo)
    end = timezone.now().replace(microsecond=0)
    values = {
        "client_uuid": str(uuid.uuid4()),
        "occurred_at": (end - timedelta(hours=4)).isoformat(),
        "occurred_to": end.isoformat(),
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "type": "gathering",
        "severity": 3,
        "young_people_met": 12,
        "what_we_did": "Pratade med gruppen, de gick hem vid midnatt.",
    }
    values.update(extra)
    return values


@pytest.fixture
def walkers(demo):
    return make_partner(demo, "Nattvandrarna test")


@pytest.fixture
def walker(walkers):
    return member(walkers, "nattvandrare-1")


def test_a_report_is_an_incident_of_the_partner_and_a_replay_stores_nothing(demo, walkers, walker):
    client = client_of(walker)
    sent = body(demo)
    first = client.post(URL, sent, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["pin"] is None
    incident = Incident.objects.get(pk=first.json()["incident"])
    assert incident.partner == walkers and incident.municipality == demo
    assert (incident.source, incident.source_id) == (walkers.source, sent["client_uuid"])
    assert incident.reported_by == Incident.Source.NIGHT_WALKERS
    assert (incident.type, incident.severity, incident.young_people_met) == ("gathering", 3, 12)
    assert incident.occurred_to - incident.occurred_at == timedelta(hours=4)
    assert incident.description == (
        "Folksamling. Vad vi gjorde: Pratade med gruppen, de gick hem vid midnatt."
    )
    replay = client.post(URL, sent, format="json")
    assert replay.status_code == 200 and replay.json() == first.json()
    assert Incident.objects.filter(partner=walkers).count() == 1


def test_the_physical_box_makes_a_pin_through_the_resident_path(demo, walkers, walker):
    client = client_of(walker)
    sent = body(
        demo, physical={"category": "lighting", "description": "Lampan vid bron är släckt."}
    )
    first = client.post(URL, sent, format="json")
    assert first.status_code == 201, first.json()
    pin = ResidentPin.objects.get(pk=first.json()["pin"])
    assert pin.partner == walkers and not pin.published and pin.municipality == demo
    assert pin.category == Category.objects.get(code="lighting")
    assert pin.description == "Lampan vid bron är släckt." and pin.status == "received"
    assert pin.district is not None  # placed as the resident form places a pin
    assert not PinContact.objects.filter(pin=pin).exists()
    replay = client.post(URL, sent, format="json")
    assert replay.status_code == 200 and replay.json()["pin"] == pin.pk
    assert ResidentPin.objects.filter(partner=walkers).count() == 1


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        (Partner.Kind.POLICE, Incident.Source.POLICE),
        (Partner.Kind.SECURITY_COMPANY, Incident.Source.GUARD),
        (Partner.Kind.HOUSING_COMPANY, Incident.Source.HOUSING_COMPANY),
        (Partner.Kind.NIGHT_WALKERS, Incident.Source.NIGHT_WALKERS),
        (Partner.Kind.SAFETY_HOSTS, Incident.Source.FIELD_TEAM),
        (Partner.Kind.OTHER, Incident.Source.FIELD_TEAM),
    ],
)
def test_reported_by_follows_the_partner_kind(demo, kind, source):
    partner = make_partner(demo, f"Partner {kind}", kind)
    response = client_of(member(partner, f"user-{kind}")).post(URL, body(demo), format="json")
    assert response.status_code == 201
    assert Incident.objects.get(pk=response.json()["incident"]).reported_by == source


def test_bad_fields_answer_400_naming_the_field(demo, walker):
    client = client_of(walker)
    start = timezone.now() - timedelta(hours=1)
    cases = {
        "occurred_to": {
            "occurred_at": start.isoformat(),
            "occurred_to": (start - timedelta(hours=2)).isoformat(),
        },
        "occurred_at": {
            "occurred_at": (timezone.now() + timedelta(hours=3)).isoformat(),
            "occurred_to": (timezone.now() + timedelta(hours=5)).isoformat(),
        },
        "severity": {"severity": 6},
        "young_people_met": {"young_people_met": -1},
        "type": {"type": "alien_landing"},
        "geometry": {"geometry": {"type": "Point", "coordinates": [18.07, 59.33]}},
        "physical": {"physical": {"category": "no-such-category", "description": "x"}},
        "client_uuid": {"client_uuid": "not-a-uuid"},
        "what_we_did": {"what_we_did": "bad\x00text"},
    }
    for field, extra in cases.items():
        response = client.post(URL, body(demo, **extra), format="json")
        assert response.status_code == 400, (field, response.content)
        assert field in response.json(), (field, response.json())
    zero = client.post(URL, body(demo, severity=0), format="json")
    assert zero.status_code == 400 and "severity" in zero.json()
    assert not Incident.objects.filter(partner__members=walker).exists()


def test_a_member_of_several_partners_picks_one_of_their_own(demo, walkers, walker):
    guards = make_partner(demo, "Vakterna test", Partner.Kind.SECURITY_COMPANY)
    guards.members.add(walker)
    other = make_partner(demo, "Någon annan")
    client = client_of(walker)
    unpicked = client.post(URL, body(demo), format="json")
    assert unpicked.status_code == 400 and "partner" in unpicked.json()
    foreign = client.post(URL, body(demo, partner=other.pk), format="json")
    assert foreign.status_code == 400 and "partner" in foreign.json()
    page = client.get("/skiftrapport/").content.decode()
    assert 'id="sr-partner"' in page and "Vakterna test" in page and "Någon annan" not in page
    picked = client.post(URL, body(demo, partner=guards.pk), format="json")
    assert picked.status_code == 201
    incident = Incident.objects.get(pk=picked.json()["incident"])
    assert incident.partner == guards and incident.reported_by == Incident.Source.GUARD


def test_only_partner_members_report(demo, walkers):
    staff = User.objects.create_user("planner-x", password="x", is_staff=True)
    assert client_of(staff).post(URL, body(demo), format="json").status_code == 403
    assert APIClient().post(URL, body(demo), format="json").status_code == 403
    assert not Incident.objects.filter(source=walkers.source).exists()


def test_the_session_api_checks_the_csrf_token(demo, walker):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(walker)
    refused = client.post(URL, body(demo), format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    page = client.get("/skiftrapport/")
    token = page.cookies["csrftoken"].value
    accepted = client.post(URL, body(demo), format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_the_page_is_for_partner_members_only(client, demo, walkers, walker):
    assert client.get("/skiftrapport/").status_code == 302  # to the login
    client.force_login(User.objects.create_user("someone", password="x"))
    assert client.get("/skiftrapport/").status_code == 403
    assert client.get("/skiftrapport/mina/").status_code == 403
    client.force_login(walker)
    page = client.get("/skiftrapport/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Skiftrapport" in html and "Något fysiskt att åtgärda?" in html
    assert 'id="nav-shift"' in html and "Folksamling" in html
    assert 'id="sr-partner"' not in html  # one partner: nothing to pick
    english = client.get("/en/shift-report/")
    assert english.status_code == 200 and "Something physical to fix?" in english.content.decode()
    assert client.get("/en/shift-report/mine/").status_code == 200


def test_the_header_links_the_shift_report_for_members_only(client, demo, walker):
    client.force_login(User.objects.create_user("someone", password="x"))
    assert 'id="nav-shift"' not in client.get("/rapportera/").content.decode()
    client.force_login(walker)
    assert 'id="nav-shift"' in client.get("/rapportera/").content.decode()


def test_my_reports_show_the_partners_own_and_nothing_of_others(client, demo, walkers, walker):
    others = make_partner(demo, "Andra vakter", Partner.Kind.SECURITY_COMPANY)
    other_member = member(others, "vakt-1")
    ours = body(demo, physical={"category": "lighting", "description": "Vår lampa SYNLIG"})
    mine = client_of(walker).post(URL, ours, format="json").json()
    theirs = body(
        demo,
        what_we_did="Deras HEMLIGA anteckning",
        physical={"category": "vegetation", "description": "Deras buske HEMLIG"},
    )
    foreign = client_of(other_member).post(URL, theirs, format="json").json()
    lon, lat = inside_lonlat(demo)
    resident = APIClient().post(
        "/api/pins/",
        {
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "category": "vegetation",
            "when": "evening",
            "description": "Invånarens text HEMLIG",
            "contact_name": "Anna Hemlig",
            "contact_email": "anna.hemlig@example.org",
        },
        format="json",
    )
    assert resident.status_code == 201
    pin = ResidentPin.objects.get(pk=mine["pin"])
    pin.status = ResidentPin.Status.MEASURE_PLANNED
    pin.public_answer = "Gatuavdelningen byter lampan i vecka 50."
    pin.save()

    client.force_login(walker)
    page = client.get("/skiftrapport/mina/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-pin="{mine["pin"]}"' in html and f'data-incident="{mine["incident"]}"' in html
    assert "Vår lampa SYNLIG" in html and "Gatuavdelningen byter lampan i vecka 50." in html
    assert "Åtgärd planerad" in html
    assert f'data-pin="{foreign["pin"]}"' not in html
    assert f'data-incident="{foreign["incident"]}"' not in html
    assert "HEMLIG" not in html and "Anna Hemlig" not in html and "anna.hemlig" not in html
    assert html.count("data-pin=") == 1 and html.count("data-incident=") == 1


def test_typed_text_is_shown_as_text(client, demo, walker):
    sent = body(demo, what_we_did="<script>alert(1)</script> & <b>fet</b>")
    assert client_of(walker).post(URL, sent, format="json").status_code == 201
    client.force_login(walker)
    html = client.get("/skiftrapport/mina/").content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>fet</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;" in html


def test_the_proposed_shift_ends_at_the_nearest_quarter_hour():
    now = timezone.now().replace(hour=21, minute=52, second=30, microsecond=0)
    start, end = shift_reports.last_shift(now)
    assert (end.minute, end.second) == (0, 0) and end - now == timedelta(minutes=7, seconds=30)
    assert end - start == timedelta(hours=4)
    start, end = shift_reports.last_shift(now.replace(minute=37, second=0))
    assert end.minute == 30 and end - start == timedelta(hours=4)

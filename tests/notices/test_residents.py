"""Residents hear back: a confirmation with the tracking link in their language, one message per
change and subscriber, none after unsubscribing, and nothing lost when the mail server fails."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from gis.fixes import workflow
from gis.notices.models import Message, Subscription
from tests.dashboard.conftest import add_fixes
from tests.walks.conftest import inside_lonlat
from walks.models import ResidentPin

from .conftest import PUBLIC, make_pin

pytestmark = pytest.mark.django_db

RESIDENT = "Rut.Resident@Example.org "


def _report(api, demo, language: str, **extra):
    lon, lat = inside_lonlat(demo)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "category": "vegetation",
        "when": "evening",
        "description": "Buskarna skymmer gångvägen.",
        **extra,
    }
    return api.post("/api/pins/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize(
    ("language", "subject", "track"),
    [
        ("sv", "Tack för din rapport", "/rapportera/folj/"),
        ("en", "Thank you for your report", "/en/report/track/"),
    ],
)
def test_a_report_with_an_address_is_confirmed_with_its_tracking_link(
    api, demo, django_capture_on_commit_callbacks, language, subject, track
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _report(api, demo, language, contact_email=RESIDENT)
    assert response.status_code == 201, response.json()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["rut.resident@example.org"]
    assert sent.subject == subject
    token = response.json()["tracking_token"]
    assert f"{PUBLIC}{track}{token}/" in sent.body
    subscription = Subscription.objects.get(pin__tracking_token=token)
    assert subscription.language == language and subscription.role == "reporter"
    one_click = f"{PUBLIC}/api/notices/unsubscribe/{subscription.token}"
    assert sent.extra_headers["List-Unsubscribe"] == f"<{one_click}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert subscription.token in sent.body  # the unsubscribe page's link


def test_a_report_without_an_address_sends_nothing(api, demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _report(api, demo, "sv", contact_name="Bara Namn")
    assert response.status_code == 201
    assert mail.outbox == []
    assert not Subscription.objects.filter(pin__tracking_token=response.json()["tracking_token"])


def _follow(pin, email: str, language: str = "sv", **extra):
    with translation.override(language):
        url = reverse("notices:follow", args=[pin.pk])
    return Client().post(url, {"email": email, **extra})


def _status_messages(address: str) -> int:
    return Message.objects.filter(recipient=address, kind="status").count()


def test_each_change_sends_one_message_to_the_reporter_and_each_supporter(demo):
    pin = make_pin(demo, email="reporter@example.org")
    assert _follow(pin, "first@example.org").status_code == 200
    assert _follow(pin, "second@example.org", "en").status_code == 200
    assert _follow(pin, "second@example.org", "en").status_code == 200  # twice: one subscription
    supporters = Subscription.objects.filter(pin=pin, role="supporter")
    assert supporters.count() == 2
    everyone = ("reporter@example.org", "first@example.org", "second@example.org")
    assert (
        Message.objects.filter(recipient__in=everyone, kind__in=["confirmation", "support"]).count()
        == 3
    )

    pin.status = ResidentPin.Status.TRIAGED
    pin.save()
    pin.save()  # a save without a change
    pin.refresh_from_db()
    pin.save()
    assert [_status_messages(a) for a in everyone] == [1, 1, 1]

    pin.public_answer = "Vi byter lampan i mars."
    pin.status = ResidentPin.Status.MEASURE_PLANNED
    pin.save()
    assert [_status_messages(a) for a in everyone] == [2, 2, 2]

    call_command("notices", "send")
    english = [m for m in mail.outbox if m.to == ["second@example.org"] and "News" in m.subject]
    assert len(english) == 2 and "Vi byter lampan i mars." in english[-1].body
    swedish = [m for m in mail.outbox if m.to == ["reporter@example.org"]]
    assert any(pin.tracking_token in m.body for m in swedish[1:])
    supporter_mail = [m for m in mail.outbox if m.to == ["first@example.org"]]
    assert all(pin.tracking_token not in m.body for m in supporter_mail)  # the link is private


def test_a_fix_marked_done_tells_the_residents_of_its_pins_once(demo):
    pin = make_pin(demo, email="fixed@example.org")
    fix = add_fixes(demo, "notices")[0]
    fix.pins.add(pin)
    workflow.change_status(fix, "planned")
    workflow.change_status(fix, "done", answer="Lampan är lagad.")
    messages = Message.objects.filter(recipient="fixed@example.org", kind="status")
    assert messages.count() == 1
    assert "Lampan är lagad." in messages.get().body


def test_no_message_after_unsubscribing_on_the_page(demo):
    pin = make_pin(demo, email="page@example.org")
    subscription = Subscription.objects.get(pin=pin)
    url = reverse("notices:unsubscribe", args=[subscription.token])
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200 and b'id="unsubscribe"' in page.content
    assert Client().post(url).status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    pin.status = ResidentPin.Status.FIXED
    pin.save()
    assert _status_messages("page@example.org") == 0
    assert Client().get(reverse("notices:unsubscribe", args=["not-a-token"])).status_code == 404


def test_no_message_after_the_one_click_unsubscribe(demo):
    pin = make_pin(demo, email="oneclick@example.org")
    _follow(pin, "supporter@example.org")
    subscription = Subscription.objects.get(pin=pin, email="oneclick@example.org")
    mail_client = Client(enforce_csrf_checks=True)  # no session, no CSRF token: a mail client
    url = reverse("notices_api:one-click", args=[subscription.token])
    response = mail_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert mail_client.get(url).status_code == 405
    pin.status = ResidentPin.Status.CLOSED_NOT_OURS
    pin.save()
    assert _status_messages("oneclick@example.org") == 0
    assert _status_messages("supporter@example.org") == 1


def test_a_failing_mail_server_loses_no_status_change_and_no_message(
    demo, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pin = make_pin(demo, email="patient@example.org")
    settings.EMAIL_BACKEND = "tests.notices.conftest.FailingBackend"
    settings.TRYGG_NOTICE_RETRY_SECONDS = 0  # due again at once
    with django_capture_on_commit_callbacks(execute=True):
        pin.status = ResidentPin.Status.FIXED
        pin.save()
    pin.refresh_from_db()
    assert pin.status == "fixed"
    message = Message.objects.get(recipient="patient@example.org", kind="status")
    assert (message.status, message.attempts, message.last_error) == (
        "queued",
        1,
        "SMTPException",
    )
    assert "patient" not in message.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("notices", "send")
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert [m.to for m in mail.outbox] == [["patient@example.org"]] * 2  # confirmation, change


def test_a_message_that_keeps_failing_is_marked_failed(demo, settings):
    make_pin(demo, email="never@example.org")
    settings.EMAIL_BACKEND = "tests.notices.conftest.FailingBackend"
    settings.TRYGG_NOTICE_RETRY_SECONDS = 0
    settings.TRYGG_NOTICE_MAX_ATTEMPTS = 3
    for _attempt in range(4):
        call_command("notices", "send")
    message = Message.objects.get(recipient="never@example.org")
    assert (message.status, message.attempts) == ("failed", 3)


def test_following_needs_an_address(demo):
    pin = make_pin(demo)
    response = _follow(pin, "not an address")
    assert response.status_code == 400
    assert b"follow-email-error" in response.content
    assert not Subscription.objects.filter(pin=pin).exists()
    assert _follow(pin, "robot@example.org", website="http://spam").status_code == 400


def test_the_messages_of_one_change_go_out_together_after_the_commit(
    demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the confirmations
        pin = make_pin(demo, email="together@example.org")
        _follow(pin, "also@example.org")
        _follow(pin, "third@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pin.status = ResidentPin.Status.FIXED
        pin.save()
        assert mail.outbox == []  # nothing before the commit
    # Each queued message registered a send; the first sent all three (one SMTP connection),
    # the others found nothing left.
    assert len(callbacks) == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "also@example.org",
        "third@example.org",
        "together@example.org",
    ]
    assert not Message.objects.filter(pin=pin, status="queued").exists()


def test_a_rolled_back_change_queues_nothing_and_the_next_one_is_sent(
    demo, django_capture_on_commit_callbacks
):
    """A message queued in a transaction that rolls back is gone with it; the next change's
    message still goes out right after its commit."""
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        pin = make_pin(demo, email="rollback@example.org")
    mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        pin.status = ResidentPin.Status.FIXED
        pin.save()
        raise RuntimeError("the change is undone")
    pin.refresh_from_db()
    assert pin.status != ResidentPin.Status.FIXED
    assert not Message.objects.filter(pin=pin, kind="status").exists()
    with django_capture_on_commit_callbacks(execute=True):
        pin.status = ResidentPin.Status.FIXED
        pin.save()
    assert [m.to[0] for m in mail.outbox] == ["rollback@example.org"]
    assert Message.objects.get(pin=pin, kind="status").status == "sent"

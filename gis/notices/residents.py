"""What residents are sent: the confirmation of a report or of support, and a message for
every change of a report's status or public answer, in the language they used.

One change is one event: its key (the pin, the new status, the answer and the moment of the
save) gives one message per subscribed address, however many times it is looked at.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gis.notices.models import Message, Subscription, normalise_email
from gis.notices.outbox import absolute, queue, unsubscribe_links
from walks.models import ResidentPin

LANGUAGES = ("sv", "en")


def language_of(code: str | None) -> str:
    """A supported language from a language code ("en-gb" → "en"); Swedish otherwise."""
    code = (code or "").lower()
    return next((lang for lang in LANGUAGES if code.startswith(lang)), LANGUAGES[0])


def status_text(status: str) -> str:
    """A short sentence for residents about a report's status (in the active language)."""
    status_of = ResidentPin.Status
    texts = {
        status_of.RECEIVED: _("Your report has been received."),
        status_of.TRIAGED: _("Your report has been read and is being looked into."),
        status_of.MEASURE_PLANNED: _("A measure is planned for the place."),
        status_of.FIXED: _("The place has been fixed."),
        status_of.FEEDBACK_GIVEN: _("The municipality has answered the report."),
        status_of.CLOSED_NOT_OURS: _(
            "The report is closed: the place is not the municipality's; it has been passed on "
            "where possible."
        ),
        status_of.CLOSED_DUPLICATE: _("The report is closed: the place was already reported."),
        status_of.CLOSED_NO_ACTION: _("The report is closed without a measure."),
    }
    return texts.get(status, status)


def tracking_link(pin: ResidentPin, language: str) -> str:
    with translation.override(language):
        return absolute(reverse("walks:track", args=[pin.tracking_token]))


def _footer(subscription: Subscription) -> str:
    page, _one_click = unsubscribe_links(subscription, subscription.language)
    return "\n\n-- \n" + _("No more messages about this report: %(link)s") % {"link": page}


def _confirmation(subscription: Subscription) -> tuple[str, str]:
    pin = subscription.pin
    if subscription.role == Subscription.Role.REPORTER:
        subject = _("Thank you for your report")
        lines = [
            _("We have received your report (%(category)s) and will look into it.")
            % {"category": pin.category.name},
            "",
            _("Follow it here: %(link)s") % {"link": tracking_link(pin, subscription.language)},
            "",
            _("We write to you when its status or our answer changes."),
        ]
    else:
        subject = _("You will hear about the report you support")
        lines = [
            _("We write to you when the status of the report (%(category)s) changes.")
            % {"category": pin.category.name},
            "",
            status_text(pin.status),
        ]
    return subject, "\n".join(lines) + _footer(subscription)


def _change(subscription: Subscription, pin: ResidentPin) -> tuple[str, str]:
    subject = _("News about the report you follow: %(status)s") % {
        "status": pin.get_status_display()
    }
    lines = [status_text(pin.status)]
    if pin.public_answer:
        lines += ["", _("The municipality's answer:"), pin.public_answer]
    if subscription.role == Subscription.Role.REPORTER:
        lines += [
            "",
            _("Your report: %(link)s") % {"link": tracking_link(pin, subscription.language)},
        ]
    return subject, "\n".join(lines) + _footer(subscription)


def _queue_for(subscription: Subscription, kind: str, key: str, compose) -> Message | None:
    with translation.override(subscription.language):
        subject, body = compose()
    return queue(
        dedupe_key=key,
        municipality_id=subscription.pin.municipality_id,
        kind=kind,
        pin=subscription.pin,
        subscription=subscription,
        recipient=subscription.email,
        language=subscription.language,
        subject=subject[:200],
        body=body,
    )


def subscribe(pin: ResidentPin, email: str, role: str, language: str) -> Subscription | None:
    """Subscribe an address to a pin's changes and send the confirmation.

    An address already subscribed to the pin keeps its subscription (re-activated if it had
    unsubscribed); None when the address is empty.
    """
    email = normalise_email(email)
    if not email:
        return None
    language = language_of(language)
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                pin=pin, email=email, role=role, language=language
            )
    except IntegrityError:
        subscription = Subscription.objects.get(pin=pin, email=email)
        if subscription.unsubscribed_at is not None:
            subscription.unsubscribed_at = None
            subscription.language = language
            subscription.save(update_fields=["unsubscribed_at", "language"])
        else:
            return subscription  # already told: no second confirmation
    kind = Message.Kind.CONFIRMATION if role == Subscription.Role.REPORTER else Message.Kind.SUPPORT
    stamp = timezone.now().isoformat()
    _queue_for(
        subscription,
        kind,
        f"confirm:{subscription.pk}:{stamp}",
        lambda: _confirmation(subscription),
    )
    return subscription


def event_key(pin: ResidentPin) -> str:
    """The key of one change of a pin: its new status and answer, and when it was saved."""
    digest = hashlib.sha256(
        f"{pin.status}\x00{pin.public_answer}\x00{pin.updated_at.isoformat()}".encode()
    ).hexdigest()[:24]
    return f"status:{pin.pk}:{digest}"


def notify_change(pin: ResidentPin) -> int:
    """Queue one message per active subscription about the pin's new status or answer."""
    key = event_key(pin)
    queued = 0
    for subscription in pin.subscriptions.filter(unsubscribed_at__isnull=True).select_related(
        "pin__category"
    ):
        subscription.pin = pin
        if _queue_for(
            subscription,
            Message.Kind.STATUS,
            f"{key}:{subscription.pk}",
            lambda s=subscription: _change(s, pin),
        ):
            queued += 1
    return queued


def unsubscribe(subscription: Subscription) -> None:
    """Stop the messages of a subscription (queued ones are not sent either)."""
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
    subscription.messages.filter(status=Message.Status.QUEUED).delete()

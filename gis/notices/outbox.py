"""The outbox: every message is stored, then sent after its transaction commits and by
`trygg notices send`; a failure is retried with backoff and never undoes what caused it.

A send that fails (the SMTP server down, refusing, timing out) leaves the message queued with
its attempt counted, the error's class name (never an address or a text) and the time of the
next attempt: `TRYGG_NOTICE_RETRY_SECONDS` doubled after each failure. After
`TRYGG_NOTICE_MAX_ATTEMPTS` attempts it is marked failed and shown in the back office.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from gis.core.conf import setting
from gis.notices.models import Message

log = logging.getLogger(__name__)


def absolute(path: str) -> str:
    """An absolute address on the public site (TRYGG_PUBLIC_URL) for a path."""
    return urljoin(setting("TRYGG_PUBLIC_URL").rstrip("/") + "/", path.lstrip("/"))


def unsubscribe_links(subscription, language: str) -> tuple[str, str]:
    """The unsubscribe page (GET shows a button) and the one-click endpoint (RFC 8058)."""
    with translation.override(language):
        page = reverse("notices:unsubscribe", args=[subscription.token])
    return absolute(page), absolute(reverse("notices_api:one-click", args=[subscription.token]))


def queue(*, dedupe_key: str, **fields) -> Message | None:
    """Store a message unless its event already gave one (same key); send it after commit.

    Returns the new message, or None when the key was already used.
    """
    message, created = Message.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
    if not created:
        return None
    _send_after_commit(message.pk)
    return message


# The messages queued in this thread and not sent yet. Each queued message registers a send
# after its transaction commits; the first of those sends every pending message together (one
# SMTP connection) and the others find nothing left. A rolled-back message's id stays in the
# list until then and is skipped, since only stored, queued messages are sent.
_pending = threading.local()


def _send_after_commit(pk: int) -> None:
    if not hasattr(_pending, "ids"):
        _pending.ids = []
    _pending.ids.append(pk)
    transaction.on_commit(_send_pending, robust=True)


def _send_pending() -> None:
    """Send what this thread queued; a failure leaves it queued for `trygg notices send`."""
    ids = getattr(_pending, "ids", [])
    if ids:
        _pending.ids = []
        send_messages(ids)


def _email(message: Message) -> EmailMessage:
    headers = {}
    if message.subscription_id is not None:
        _page, one_click = unsubscribe_links(message.subscription, message.language)
        headers = {
            "List-Unsubscribe": f"<{one_click}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers=headers,
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=int(setting("TRYGG_NOTICE_RETRY_SECONDS")) * 2 ** (attempts - 1))


def send_messages(ids: list[int] | None = None, *, now=None) -> dict[str, int]:
    """Send the queued messages that are due (or only those of `ids`, if due); returns the
    counts of sent, retried (still queued) and failed messages. Never raises on a mail error.
    """
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = Message.objects.filter(status=Message.Status.QUEUED, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    try:
        connection = get_connection(fail_silently=False)
    except Exception as error:  # a misconfigured backend: nothing is sent, everything stays
        log.warning("e-mail backend unavailable: %s", type(error).__name__)
        return counts
    max_attempts = int(setting("TRYGG_NOTICE_MAX_ATTEMPTS"))
    for pk in due.order_by("next_attempt_at", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            message = (
                Message.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("subscription")
                .filter(pk=pk, status=Message.Status.QUEUED)
                .first()
            )
            if message is None:  # sent meanwhile by another process
                continue
            message.attempts += 1
            try:
                connection.send_messages([_email(message)])
            except Exception as error:  # SMTP errors, timeouts, refused connections
                message.last_error = type(error).__name__[:200]
                if message.attempts >= max_attempts:
                    message.status = Message.Status.FAILED
                    counts["failed"] += 1
                else:
                    message.next_attempt_at = timezone.now() + _backoff(message.attempts)
                    counts["retry"] += 1
                log.warning(
                    "message %s not sent (attempt %s): %s",
                    message.pk,
                    message.attempts,
                    message.last_error,
                )
            else:
                message.status = Message.Status.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
                counts["sent"] += 1
            message.save(
                update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
            )
    with contextlib.suppress(Exception):  # closing a broken connection
        connection.close()
    return counts


def retry(queryset) -> int:
    """Queue failed messages again, due now (the back office's action)."""
    return queryset.filter(status=Message.Status.FAILED).update(
        status=Message.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )

"""A resident's rights under the GDPR: find, export and erase every personal trace of one
e-mail address, with a record of each request.

The sources are a registry (`SOURCES`): pairs of `find(email) -> {name: [records]}` and
`erase(email, dry_run=...) -> {name: count}`. Another app plugs its data in with one line
(e.g. the digital walks' `gis.campaigns.personal_data.find` / `.erase`). Addresses are
compared trimmed and case-insensitively.

Erasing does what the retention purge does to old data (walks.retention.purge_pins): the
reports' contact details and photos are deleted, their free text and history notes emptied;
the reports themselves stay for the statistics. The address's subscriptions and its messages
in the outbox are deleted.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.crypto import salted_hmac

from gis.campaigns import personal_data as campaign_data
from gis.notices.models import Message, PersonalDataRequest, Subscription, normalise_email
from walks.models import ResidentPin
from walks.retention import purge_pins

Finder = Callable[[str], dict[str, list[dict]]]
Eraser = Callable[..., dict[str, int]]

_SALT = "trygg.notices.personal-data-request"


def checked_address(address: str) -> str:
    """The address normalised; ValueError naming it when it is not an e-mail address."""
    email = normalise_email(address)
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError("not an e-mail address") from None
    return email


def address_hash(email: str) -> str:
    """The keyed hash a request is recorded under (never the address itself)."""
    return salted_hmac(_SALT, normalise_email(email), algorithm="sha256").hexdigest()


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _reported_pins(email: str):
    return ResidentPin.objects.filter(contact__email__iexact=email)


def find_reports(email: str) -> dict[str, list[dict]]:
    """Reports with this address in their contact details, with the contacts and photos."""
    pins = _reported_pins(email).select_related("category", "contact").order_by("pk")
    reports, contacts, photos = [], [], []
    for pin in pins:
        reports.append(
            {
                "id": pin.pk,
                "category": pin.category.code,
                "when": pin.when,
                "description": pin.description,
                "status": pin.status,
                "public_answer": pin.public_answer,
                "reported_at": _iso(pin.reported_at),
                "notes": [n for n in pin.history.values_list("note", flat=True) if n],
            }
        )
        contact = pin.contact
        contacts.append(
            {"report": pin.pk, "name": contact.name, "email": contact.email, "phone": contact.phone}
        )
        photos += [
            {"report": pin.pk, "file": photo.image.name, "uploaded_at": _iso(photo.uploaded_at)}
            for photo in pin.photos.order_by("pk")
        ]
    return {"reports": reports, "contacts": contacts, "photos": photos}


def erase_reports(email: str, *, dry_run: bool = False) -> dict[str, int]:
    ids = list(_reported_pins(email).values_list("pk", flat=True))
    counts = purge_pins(ids, dry_run=dry_run)
    return {"reports": len(ids), **counts}


def _subscriptions(email: str):
    return Subscription.objects.filter(email__iexact=email)


def _messages(email: str):
    return Message.objects.filter(recipient__iexact=email)


def find_notices(email: str) -> dict[str, list[dict]]:
    """Subscriptions (as reporter or supporter: the supporter's vote) and sent messages."""
    return {
        "subscriptions": [
            {
                "report": s.pin_id,
                "role": s.role,
                "language": s.language,
                "subscribed_at": _iso(s.created_at),
                "unsubscribed_at": _iso(s.unsubscribed_at),
            }
            for s in _subscriptions(email).order_by("pk")
        ],
        "messages": [
            {
                "kind": m.kind,
                "report": m.pin_id,
                "subject": m.subject,
                "body": m.body,
                "status": m.status,
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in _messages(email).order_by("pk")
        ],
    }


def erase_notices(email: str, *, dry_run: bool = False) -> dict[str, int]:
    subscriptions, messages = _subscriptions(email), _messages(email)
    counts = {"subscriptions": subscriptions.count(), "messages": messages.count()}
    if not dry_run:
        messages.delete()
        subscriptions.delete()
    return counts


def erase_campaign_answers(email: str, *, dry_run: bool = False) -> dict[str, int]:
    """The digital walks' answers left with the address (gis.campaigns.personal_data), their
    counts named apart from the reports' ("campaign_contacts" beside "contacts")."""
    counts = campaign_data.erase(email, dry_run=dry_run)
    return {f"campaign_{name}": count for name, count in counts.items()}


# The sources of personal data tied to an e-mail address: (find, erase) pairs, erased in this
# order (subscriptions and messages first, so that the counts of a dry run and of the erasure
# agree). Another app's source is one more line here.
SOURCES: tuple[tuple[Finder, Eraser], ...] = (
    (find_notices, erase_notices),
    (find_reports, erase_reports),
    (campaign_data.find, erase_campaign_answers),
)


def find(email: str) -> dict[str, list[dict]]:
    """Everything every source holds about the address, by kind."""
    email = checked_address(email)
    found: dict[str, list[dict]] = {}
    for finder, _eraser in SOURCES:
        found.update(finder(email))
    return found


def counts_of(found: dict[str, list[dict]]) -> dict[str, int]:
    return {name: len(records) for name, records in found.items()}


def record(kind: str, email: str, counts: dict, *, user=None, by: str = "", dry_run=False):
    """The record of one request: its kind, the address's keyed hash, who, when, counts."""
    return PersonalDataRequest.objects.create(
        kind=kind,
        address_hash=address_hash(email),
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        by_name=(user.get_username() if getattr(user, "is_authenticated", False) else by)[:150],
        dry_run=dry_run,
        counts=counts,
    )


def export(email: str, *, user=None, by: str = "") -> dict:
    """The export of everything found (recorded as an export request)."""
    found = find(email)
    record(PersonalDataRequest.Kind.EXPORT, email, counts_of(found), user=user, by=by)
    return {"exported_at": _iso(timezone.now()), **found}


def erase(email: str, *, dry_run: bool = False, user=None, by: str = "") -> dict[str, int]:
    """Erase the address's personal data from every source; returns the counts per kind
    (with `dry_run`, what would be erased: nothing changes but the request's record)."""
    from django.db import transaction

    email = checked_address(email)
    counts: dict[str, int] = {}
    with transaction.atomic():
        for _finder, eraser in SOURCES:
            counts.update(eraser(email, dry_run=dry_run))
        record(PersonalDataRequest.Kind.ERASE, email, counts, user=user, by=by, dry_run=dry_run)
    return counts

"""Retention of personal data: what goes after the retention period, and what stays.

Older than the retention period (`TRYGG_PERSONAL_DATA_RETENTION_DAYS`, counted from when a pin
was reported, a walk started, a finding or audit was observed, a photo uploaded):

* residents' contact details (`PinContact`) are deleted;
* photos of pins and findings are deleted, files and rows (EXIF is already stripped on upload,
  but a picture itself may show people or number plates);
* free text that may name people is emptied: a pin's description and public answer, the notes of
  its status history, the notes of findings and audits;
* walk participants' names are emptied and their device tokens replaced by one made of the
  record's own number (`anonymous_token`), which links to no phone;
* supporting votes lose who made them: the keyed hash of the address and the device token
  (walks.supporters) are emptied; the vote and the pin's count of supporters stay.

The contact access log (`ContactAccess`) is kept for `TRYGG_CONTACT_ACCESS_RETENTION_DAYS`.

What stays is what the statistics need: pins with category, district, time of day, status,
votes, report time and location exactly as stored; findings and audits with category, severity,
ratings, time and geometry; participants' roles; the status history's steps with who and when.
Each kind is selected without what an earlier purge already emptied, so a second run with the same
limits changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models.functions import Cast, LPad
from django.utils import timezone

from walks.models import (
    ContactAccess,
    FindingPhoto,
    PinContact,
    PinPhoto,
    PinStatusChange,
    PinVote,
    ResidentPin,
    WalkAudit,
    WalkFinding,
    WalkParticipant,
)


def anonymous_token(pk: int) -> uuid.UUID:
    """The device token a purged participant gets: its own id as a UUID (never a phone's)."""
    return uuid.UUID(int=pk)


_ANONYMOUS_TOKEN = Cast(
    LPad(
        models.Func(models.F("pk"), function="to_hex", output_field=models.CharField()),
        32,
        models.Value("0"),
    ),
    models.UUIDField(),
)


def _delete_photos(queryset: models.QuerySet) -> None:
    for photo in queryset.iterator():
        for field in (photo.image, photo.thumbnail):
            if field:
                field.delete(save=False)
        photo.delete()


def _pin_kinds(pins: models.QuerySet, photos: models.QuerySet) -> dict[str, tuple]:
    """The personal data of resident pins: contact details, photos, free text, history notes."""
    return {
        "contacts": (PinContact.objects.filter(pin__in=pins), lambda q: q.delete()),
        "pin_photos": (photos, _delete_photos),
        "pin_texts": (
            pins.exclude(description="", public_answer=""),
            lambda q: q.update(description="", public_answer=""),
        ),
        "status_notes": (
            PinStatusChange.objects.filter(pin__in=pins).exclude(note=""),
            lambda q: q.update(note=""),
        ),
    }


def _remove(kinds: dict[str, tuple[models.QuerySet, Callable]], dry_run: bool) -> dict[str, int]:
    """Count each kind's records and, unless `dry_run`, remove their personal data."""
    with transaction.atomic():
        counts = {name: queryset.count() for name, (queryset, _remove) in kinds.items()}
        if not dry_run:
            for name, (queryset, remove) in kinds.items():
                if counts[name]:
                    remove(queryset)
    return counts


def purge_pins(pin_ids, *, dry_run: bool = False) -> dict[str, int]:
    """Remove the personal data of the given pins now, as the purge does after the retention
    period (contacts, pin_photos, pin_texts, status_notes; a person's erasure request)."""
    pins = ResidentPin.objects.filter(pk__in=list(pin_ids))
    return _remove(_pin_kinds(pins, PinPhoto.objects.filter(pin__in=pins)), dry_run)


#: Kinds of personal data of the apps above walks (e.g. digital walks' e-mails): functions of the
#: cutoff giving {kind: (queryset, remove)}, registered by those apps when they load, purged in
#: the same run and transaction.
EXTRA_KINDS: list[Callable[[datetime], dict[str, tuple[models.QuerySet, Callable]]]] = []


def _kinds(cutoff: datetime, log_cutoff: datetime) -> dict[str, tuple[models.QuerySet, Callable]]:
    """Each kind's records still holding personal data, and how to remove it."""
    participants = WalkParticipant.objects.filter(walk__starts_at__lt=cutoff)
    pins = _pin_kinds(
        ResidentPin.objects.filter(reported_at__lt=cutoff),
        PinPhoto.objects.filter(uploaded_at__lt=cutoff),
    )
    return {
        "contacts": pins["contacts"],
        "pin_photos": pins["pin_photos"],
        "finding_photos": (FindingPhoto.objects.filter(uploaded_at__lt=cutoff), _delete_photos),
        "participant_names": (
            participants.exclude(display_name=""),
            lambda q: q.update(display_name=""),
        ),
        "device_tokens": (
            participants.exclude(device_token=_ANONYMOUS_TOKEN),
            lambda q: q.update(device_token=_ANONYMOUS_TOKEN),
        ),
        "vote_supporters": (
            PinVote.objects.filter(voted_at__lt=cutoff).exclude(
                address_hash__isnull=True, device_token__isnull=True
            ),
            lambda q: q.update(address_hash=None, device_token=None),
        ),
        "pin_texts": pins["pin_texts"],
        "status_notes": pins["status_notes"],
        "finding_notes": (
            WalkFinding.objects.filter(observed_at__lt=cutoff).exclude(note=""),
            lambda q: q.update(note=""),
        ),
        "audit_notes": (
            WalkAudit.objects.filter(observed_at__lt=cutoff).exclude(note=""),
            lambda q: q.update(note=""),
        ),
        **{name: kind for extra in EXTRA_KINDS for name, kind in extra(cutoff).items()},
        "access_log_entries": (
            ContactAccess.objects.filter(accessed_at__lt=log_cutoff),
            lambda q: q.delete(),
        ),
    }


def purge_personal_data(
    days: int, access_log_days: int, *, dry_run: bool = False, now: datetime | None = None
) -> dict[str, int]:
    """Remove personal data older than `days` (the access log: `access_log_days`).

    Returns, per kind (contacts, pin_photos, finding_photos, participant_names, device_tokens,
    vote_supporters, pin_texts, status_notes, finding_notes, audit_notes, access_log_entries),
    how many records held personal data: changed, or with `dry_run` only counted. One
    transaction.
    """
    for name, value in (("days", days), ("access_log_days", access_log_days)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    now = now or timezone.now()
    kinds = _kinds(now - timedelta(days=days), now - timedelta(days=access_log_days))
    return _remove(kinds, dry_run)

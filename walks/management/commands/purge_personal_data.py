"""Delete personal data older than the retention period, keeping the anonymised records.

Deleted: residents' contact details (PinContact) of pins reported before the cut-off, photos of
pins and of walk findings uploaded before it (files and rows), and participants' names of walks
that started before it. Pins, findings and audits themselves stay, without anything personal.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from walks import conf
from walks.models import FindingPhoto, PinContact, PinPhoto, WalkParticipant


def _delete_photos(queryset) -> int:
    count = 0
    for photo in queryset.iterator():
        for field in (photo.image, photo.thumbnail):
            if field:
                field.delete(save=False)
        photo.delete()
        count += 1
    return count


def purge_personal_data(days: int, *, dry_run: bool = False) -> dict[str, int]:
    """Delete personal data older than `days`; returns what was (or would be) deleted."""
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    cutoff = timezone.now() - timedelta(days=days)
    contacts = PinContact.objects.filter(pin__reported_at__lt=cutoff)
    pin_photos = PinPhoto.objects.filter(uploaded_at__lt=cutoff)
    finding_photos = FindingPhoto.objects.filter(uploaded_at__lt=cutoff)
    names = WalkParticipant.objects.filter(walk__starts_at__lt=cutoff).exclude(display_name="")
    counts = {
        "contacts": contacts.count(),
        "pin_photos": pin_photos.count(),
        "finding_photos": finding_photos.count(),
        "participant_names": names.count(),
    }
    if dry_run:
        return counts
    with transaction.atomic():
        contacts.delete()
        names.update(display_name="")
        _delete_photos(pin_photos)
        _delete_photos(finding_photos)
    return counts


class Command(BaseCommand):
    help = (
        "Delete residents' contact details, photos and participants' names older than "
        "TRYGG_PERSONAL_DATA_RETENTION_DAYS (pins and findings are kept, anonymised)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Retention in days (default: the TRYGG_PERSONAL_DATA_RETENTION_DAYS setting).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is None:
            days = int(conf.setting("TRYGG_PERSONAL_DATA_RETENTION_DAYS"))
        try:
            counts = purge_personal_data(days, dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from None
        verb = "would delete" if dry_run else "deleted"
        summary = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())
        self.stdout.write(f"Older than {days} days: {verb} {summary}.")

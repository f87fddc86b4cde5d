"""`trygg backup [--output DIR]`: the database and the media files in one archive."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from gis.backup import BackupError, create_backup


class Command(BaseCommand):
    # A backup or a restore must work even while some unrelated system check fails.
    requires_system_checks: list[str] = []
    help = (
        "Back up the database (pg_dump custom format) and the media files (photos, rasters) "
        "into one .tar archive with a manifest of row counts and SHA-256 checksums."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            default=None,
            help="directory for the archive (default: var/backups); created if needed",
        )

    def handle(self, *args, output: str | None, **options) -> None:
        directory = Path(output) if output else Path(settings.VAR_DIR) / "backups"
        try:
            result = create_backup(
                connection.settings_dict,
                settings.MEDIA_ROOT,
                directory,
                srid=settings.TRYGG_SRID,
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(result.tables.values())
        self.stdout.write(
            f"backup written: {result.path} ({result.size / 1e6:.1f} MB; "
            f"{len(result.tables)} tables, {rows} rows, {result.files} media files) "
            f"in {result.seconds:.1f} s"
        )

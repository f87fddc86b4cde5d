"""`trygg restore ARCHIVE [--force]`: restore a backup into an empty database and MEDIA_ROOT."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from gis.backup import BackupError, restore_backup


class Command(BaseCommand):
    # A backup or a restore must work even while some unrelated system check fails.
    requires_system_checks: list[str] = []
    help = (
        "Restore an archive made by `trygg backup` into the configured database, which must be "
        "empty (only extensions), and its media files into MEDIA_ROOT. The archive is verified "
        "first; the database part is one transaction."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="the .tar written by `trygg backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the contents of a non-empty database and overwrite differing files",
        )

    def handle(self, *args, archive: str, force: bool, **options) -> None:
        connection.close()
        try:
            result = restore_backup(
                archive,
                connection.settings_dict,
                settings.MEDIA_ROOT,
                force=force,
                srid=settings.TRYGG_SRID,
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"restored {archive} into database {connection.settings_dict['NAME']}: "
            f"{len(result.tables)} tables, {sum(result.tables.values())} rows, "
            f"{result.files} media files in {result.seconds:.1f} s"
        )
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stdout.write(f"{len(pending)} migration(s) not applied yet: run `trygg migrate`")

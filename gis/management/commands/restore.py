"""`trygg restore ARCHIVE [--force] [--no-migrate]`: restore a backup, then bring it up to date.

A backup made by an older release holds the database as that release left it: this code cannot
serve it until its own migrations are applied. So after the restore (checked row by row against
the manifest) the command applies them, saying which, unless `--no-migrate` asks to keep the
database exactly as the backup had it (then it says, on stderr, to run `trygg migrate` before
serving). A backup made by a newer release is refused before anything changes: its migrations
are unknown here, and this code would run on tables it does not know.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from gis.backup import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    # A backup or a restore must work even while some unrelated system check fails.
    requires_system_checks: list[str] = []
    help = (
        "Restore an archive made by `trygg backup` into the configured database, which must be "
        "empty (only extensions), and its media files into MEDIA_ROOT. The archive is verified "
        "first; the database part is one transaction. A backup from an older release is then "
        "migrated to this one (unless --no-migrate); one from a newer release is refused."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="the .tar written by `trygg backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the contents of a non-empty database and overwrite differing files",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_false",
            dest="migrate",
            help="leave a backup from an older release at its own migrations (run `trygg "
            "migrate` before serving it)",
        )

    def handle(self, *args, archive: str, force: bool, migrate: bool, **options) -> None:
        connection.close()
        try:
            _refuse_newer_release(read_manifest(archive))
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
        if not pending:
            return
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending)
        if not migrate:
            self.stderr.write(
                f"warning: the backup is from an older release: {len(pending)} migration(s) of "
                f"this release are not applied ({names}); run `trygg migrate` before serving it"
            )
            return
        self.stdout.write(
            f"the backup is from an older release: applying this release's "
            f"{len(pending)} migration(s) ({names})"
        )
        try:
            call_command(
                "migrate",
                interactive=False,
                verbosity=options["verbosity"],
                # The streams themselves: a second wrapper would end migrate's partial lines.
                stdout=self.stdout._out,
                stderr=self.stderr._out,
            )
        except Exception as error:
            raise CommandError(
                f"the backup is restored, but migrating it failed: {error}; the migrations "
                "before the failed one are applied: fix the cause, then run `trygg migrate`"
            ) from error
        self.stdout.write("migrated: the database is at this release's migrations")


def _refuse_newer_release(manifest: dict) -> None:
    """BackupError if the backup's last migration of some app is unknown to this code."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    recorded = (manifest.get("database") or {}).get("migrations") or {}
    unknown = sorted((app, name) for app, name in recorded.items() if (app, name) not in known)
    if unknown:
        app, name = unknown[0]
        raise BackupError(
            f"the backup's migration {app}.{name} is unknown to this release of Trygg (a newer "
            "release made it): restore it with that release, or upgrade Trygg first"
        )

"""`trygg sweep-photos`: delete photo files that no record names (an upload killed before its
commit), older than a grace period so that an upload in flight is never touched.

    trygg sweep-photos [--grace-minutes N] [--dry-run]

See gis.media_sweep. Bad values stop the command with one line on stderr and exit status 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gis.media_sweep import DEFAULT_GRACE_S, sweep_orphan_photos


def _minutes(value: str) -> float:
    try:
        minutes = float(value.strip())
    except ValueError:
        minutes = -1.0
    if not minutes >= 0 or minutes == float("inf"):
        raise CommandError(f"--grace-minutes must be a number >= 0, got {value!r}")
    return minutes


class Command(BaseCommand):
    help = (
        "Delete photo files under MEDIA_ROOT that no record names (left by an upload killed "
        "before its commit), older than the grace period."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.print_usage = lambda file=None: None  # an unknown option: the error line only
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-minutes",
            default=str(DEFAULT_GRACE_S // 60),
            help=f"leave files younger than this alone (default: {DEFAULT_GRACE_S // 60})",
        )
        parser.add_argument("--dry-run", action="store_true", help="only list what would go")

    def handle(self, *args, grace_minutes="60", dry_run=False, **options):
        minutes = _minutes(grace_minutes)
        result = sweep_orphan_photos(grace_s=minutes * 60, dry_run=dry_run)
        for name in result.removed:
            self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {name}")
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"Orphan photo files older than {minutes:g} minutes: {verb} {len(result.removed)} "
            f"({result.bytes} bytes); {result.too_young} younger ones left."
        )

"""`trygg purge_personal_data`: delete personal data older than the retention period.

    trygg purge_personal_data [--days N] [--access-log-days N] [--dry-run]

What is deleted and what stays for the statistics: see :mod:`walks.retention`. Bad values stop
the command with one line on stderr and exit status 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gis.core import conf
from walks.retention import purge_personal_data

PERSONAL_SETTING = "TRYGG_PERSONAL_DATA_RETENTION_DAYS"
ACCESS_LOG_SETTING = "TRYGG_CONTACT_ACCESS_RETENTION_DAYS"


def _days(source: str, value: object) -> int:
    """A whole number of days >= 0 from an option or a setting, else a one-line CommandError."""
    try:
        days = int(str(value).strip())
    except ValueError:
        days = -1
    if days < 0:
        raise CommandError(f"{source} must be >= 0 (a whole number of days), got {value!r}")
    return days


def _setting(name: str) -> int:
    try:
        value = conf.setting(name)
    except ValueError:  # an environment value that is not a number
        raise CommandError(f"{name} must be >= 0 (a whole number of days)") from None
    return _days(name, value)


class Command(BaseCommand):
    help = (
        "Delete residents' contact details, photos, free text and participants' names and device "
        f"tokens older than {PERSONAL_SETTING}, and contact access log entries older than "
        f"{ACCESS_LOG_SETTING}; pins, findings and audits stay, anonymised, for the statistics."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.print_usage = lambda file=None: None  # an unknown option: the error line only
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--days", help=f"retention in days (default: {PERSONAL_SETTING})")
        parser.add_argument(
            "--access-log-days",
            help=f"retention of the contact access log in days (default: {ACCESS_LOG_SETTING})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what would be deleted"
        )

    def handle(self, *args, days=None, access_log_days=None, dry_run=False, **options):
        days = _setting(PERSONAL_SETTING) if days is None else _days("--days", days)
        log_days = (
            _setting(ACCESS_LOG_SETTING)
            if access_log_days is None
            else _days("--access-log-days", access_log_days)
        )
        counts = purge_personal_data(days, log_days, dry_run=dry_run)
        log_count = counts.pop("access_log_entries")
        verb = "would delete" if dry_run else "deleted"
        summary = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())
        self.stdout.write(
            f"Older than {days} days: {verb} {summary}. "
            f"Access log older than {log_days} days: {verb} {log_count} entries."
        )

"""`trygg notices send|digest`: send the outbox, queue the staff digests.

    trygg notices send                       send the messages that are due (retries included)
    trygg notices digest --daily|--weekly [--municipality CODE] [--dry-run]

Run `send` every few minutes and `digest --daily` once a day, `digest --weekly` once a day too
(each municipality's weekly digest goes out on its own weekday), from cron or a systemd timer
(docs/notices.md). A digest is queued once per address and day or week, however often the
command runs.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gis.core.options import municipality_option
from gis.notices.digests import due_digests, queue_digests
from gis.notices.outbox import send_messages


class Command(BaseCommand):
    help = "Send the queued e-mail that is due, or queue the daily or weekly digests."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("send", help="send the queued messages that are due")
        digest = actions.add_parser("digest", help="queue and send the staff digests")
        which = digest.add_mutually_exclusive_group(required=True)
        which.add_argument("--daily", action="store_true", help="coordinators' daily digest")
        which.add_argument("--weekly", action="store_true", help="departments' weekly digest")
        digest.add_argument("--municipality", help="municipality code (default: all)")
        digest.add_argument(
            "--dry-run", action="store_true", help="list what would be sent, queue nothing"
        )

    def handle(self, *args, action: str, **options) -> None:
        if action == "send":
            counts = send_messages()
            self.stdout.write(
                f"sent {counts['sent']}, to retry {counts['retry']}, failed {counts['failed']}"
            )
            return
        municipality = (
            municipality_option(options["municipality"]) if options["municipality"] else None
        )
        kind = "daily" if options["daily"] else "weekly"
        planned = due_digests(kind, municipality=municipality)
        if options["dry_run"]:
            for digest in planned:
                self.stdout.write(f"{digest.municipality.code}\t{digest.subject}")
            self.stdout.write(f"{len(planned)} {kind} digests would be queued (dry run)")
            return
        queued = queue_digests(planned)
        counts = send_messages()
        self.stdout.write(f"{queued} {kind} digests queued; sent {counts['sent']}")

"""`trygg personal-data export|erase`: a resident's rights under the GDPR, by e-mail address.

    trygg personal-data export --email ADDRESS [--output FILE]
    trygg personal-data erase --email ADDRESS [--dry-run]

`export` prints (or writes) every report, contact, photo, subscription and message tied to the
address as JSON; `erase` removes their personal parts as the retention purge does and prints
the counts. Each request is recorded (`PersonalDataRequest`: a keyed hash of the address, never
the address). See docs/notices.md.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gis.notices import personal_data


class Command(BaseCommand):
    help = "Export or erase the personal data tied to an e-mail address."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="everything tied to the address, as JSON")
        export.add_argument("--email", required=True, help="the resident's e-mail address")
        export.add_argument("--output", help="write the JSON to this file (default: stdout)")
        erase = actions.add_parser("erase", help="erase the personal data of the address")
        erase.add_argument("--email", required=True, help="the resident's e-mail address")
        erase.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, action: str, **options) -> None:
        try:
            email = personal_data.checked_address(options["email"])
        except ValueError:
            raise CommandError("--email: not an e-mail address") from None
        by = f"cli:{_operator()}"
        if action == "export":
            text = json.dumps(personal_data.export(email, by=by), ensure_ascii=False, indent=2)
            if options["output"]:
                path = Path(options["output"])
                try:
                    path.write_text(text + "\n", encoding="utf-8")
                except OSError as error:
                    raise CommandError(f"--output: cannot write {path}: {error.strerror}") from None
                self.stdout.write(f"written to {path}")
            else:
                self.stdout.write(text)
            return
        counts = personal_data.erase(email, dry_run=options["dry_run"], by=by)
        verb = "would erase" if options["dry_run"] else "erased"
        self.stdout.write(json.dumps({verb.replace(" ", "_"): counts}, sort_keys=True))


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"

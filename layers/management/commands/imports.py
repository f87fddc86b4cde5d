"""`trygg imports list [--municipality CODE] [--json]`, `trygg imports undo BATCH` and
`trygg imports sweep [--hours N]`: the batches of `trygg import`, taking one back, and removing
the files of uploads left on the import page without being imported."""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from gis.core.options import municipality_option, number_option
from layers import batches, jobs
from layers.imports import ImportFileError
from layers.models import ImportBatch


class Command(BaseCommand):
    help = "List the import batches, or undo one."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="list the batches, newest first")
        listing.add_argument("--municipality", help="municipality code")
        listing.add_argument("--json", action="store_true", help="print a JSON list")
        undo = actions.add_parser("undo", help="take a batch back")
        undo.add_argument("batch", help="the batch's number")
        sweep = actions.add_parser("sweep", help="remove uploads left without being imported")
        sweep.add_argument(
            "--hours", default="24", help="age of an upload to remove, in hours (default 24)"
        )

    def handle(self, *args, action: str, **options) -> None:
        if action == "list":
            self._list(options)
        elif action == "sweep":
            hours = number_option("--hours", options["hours"])
            if hours < 0:
                raise CommandError(f"--hours must be 0 or more, got {options['hours']!r}")
            removed = jobs.sweep_abandoned(timedelta(hours=hours))
            self.stdout.write(f"removed {removed} abandoned upload(s)")
        else:
            self._undo(options["batch"])

    def _list(self, options: dict) -> None:
        found = ImportBatch.objects.select_related("municipality")
        if options["municipality"]:
            found = found.filter(municipality=municipality_option(options["municipality"]))
        rows = [batches.batch_row(batch) for batch in found]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            undone = f" (undone {row['undone_at'][:16]})" if row["undone_at"] else ""
            self.stdout.write(
                f"{row['batch']}\t{row['imported_at'][:16]}\t{row['municipality']}\t"
                f"{row['layer']}\t{row['source']}\t{row['file_name']}\t+{row['created']} "
                f"~{row['updated']} ={row['unchanged']} -{row['removed']} "
                f"!{row['rejected']}\t{row['imported_by']}{undone}"
            )

    def _undo(self, value: str) -> None:
        try:
            batch_id = int(value)
        except ValueError:
            raise CommandError(f"BATCH must be a batch number, got {value!r}") from None
        try:
            batch = batches.undo(batch_id)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"undone batch {batch.pk}: {batch.layer} from {batch.file_name}")

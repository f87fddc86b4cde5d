"""`trygg calendar add|import|list|effects`: a municipality's risk calendar.

    trygg calendar add --municipality CODE --kind KIND --name NAME --from YYYY-MM-DD
                       [--to YYYY-MM-DD] [--lon X --lat Y]
    trygg calendar import FILE --municipality CODE [--kind KIND]
    trygg calendar list --municipality CODE [--from D --to D] [--json]
    trygg calendar effects --municipality CODE [--since D] [--measure all|reports|incidents]
                           [--by category|district] [--json]

`import` reads iCal (.ics) or CSV (name,from,to[,kind] or namn,från,till[,typ]); the same file
twice adds nothing. `list` shows every day type in a range (default: the coming 8 weeks),
holidays and pay days included. `effects` gives each day type's rate ratio against
comparable ordinary days with its 95 % interval (method: gis.analysis.calendar_effects).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from gis.core.models import Municipality
from gis.core.options import municipality_option, number_option
from gis.riskcalendar import imports
from gis.riskcalendar.days import calendar_days
from gis.riskcalendar.effects import MEASURES, SPLITS, effects
from gis.riskcalendar.models import CalendarEntry, EntryKind

LIST_WEEKS = 8


def date_option(option: str, value: str | None) -> date | None:
    """The date (YYYY-MM-DD) that `option` was given, or None when not given."""
    if value is None:
        return None
    try:
        found = parse_date(value) if len(value) == 10 else None
    except ValueError:
        found = None
    if found is None:
        raise CommandError(f"{option} must be a date (YYYY-MM-DD), got {value!r}")
    return found


def _kind(value: str | None) -> str | None:
    if value is None:
        return None
    if value not in EntryKind.values:
        raise CommandError(f"--kind must be one of {', '.join(EntryKind.values)}, got {value!r}")
    return value


def _ratio(row: dict) -> str:
    if row["rate_ratio"] is None:
        return "too little data"
    return f"{row['rate_ratio']:.2f} ({row['ci_low']:.2f}-{row['ci_high']:.2f})"


class Command(BaseCommand):
    help = "Add, import and list a municipality's risk calendar, and measure its days' effects."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        kinds = ", ".join(EntryKind.values)
        add = actions.add_parser("add", help="add a school holiday, event or other day")
        add.add_argument("--municipality", help="municipality code")
        add.add_argument("--kind", required=True, help=kinds)
        add.add_argument("--name", required=True, help="e.g. Sportlov, Hemmamatch IFK")
        add.add_argument("--from", dest="first", required=True, help="first day YYYY-MM-DD")
        add.add_argument("--to", dest="last", help="last day YYYY-MM-DD (inclusive)")
        add.add_argument("--lon", help="longitude (WGS 84) of the place, e.g. a stadium")
        add.add_argument("--lat", help="latitude (WGS 84)")
        imported = actions.add_parser("import", help="import an iCal (.ics) or CSV file")
        imported.add_argument("file", help="the .ics or .csv file")
        imported.add_argument("--municipality", help="municipality code")
        imported.add_argument("--kind", help=f"kind of entries without one ({kinds})")
        listing = actions.add_parser("list", help="the day types in a range")
        listing.add_argument("--municipality", help="municipality code")
        listing.add_argument("--from", dest="first", help="first day (default today)")
        listing.add_argument("--to", dest="last", help="last day (default 8 weeks on)")
        listing.add_argument("--json", action="store_true", help="print a JSON list")
        effect = actions.add_parser("effects", help="each day type's rate ratio")
        effect.add_argument("--municipality", help="municipality code")
        effect.add_argument("--since", help="count from this day (default: all history)")
        effect.add_argument("--measure", default="all", help=", ".join(MEASURES))
        effect.add_argument("--by", help=", ".join(SPLITS))
        effect.add_argument("--json", action="store_true", help="print a JSON list")

    def handle(self, *args, action: str, **options) -> None:
        handlers = {
            "add": self._add,
            "import": self._import,
            "list": self._list,
            "effects": self._effects,
        }
        handlers[action](options)

    def _add(self, options: dict) -> None:
        kind = _kind(options["kind"])
        try:
            name = imports.checked_name(options["name"], "--name")
            first = date_option("--from", options["first"])
            last = date_option("--to", options["last"]) or first
            first, last = imports.checked_days(first, last, "--to")
        except imports.CalendarFileError as problem:
            raise CommandError(str(problem)) from None
        lon = number_option("--lon", options["lon"])
        lat = number_option("--lat", options["lat"])
        if (lon is None) != (lat is None):
            raise CommandError("--lon and --lat go together: give both or neither")
        municipality = municipality_option(options["municipality"])
        geom = None
        if lon is not None:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise CommandError(f"--lon/--lat must be WGS 84 degrees, got {lon}, {lat}")
            geom = Point(lon, lat, srid=4326).transform(settings.TRYGG_SRID, clone=True)
        entry, created = self._entry(municipality, kind, name, first, last, geom)
        verb = "added" if created else "unchanged"
        self.stdout.write(f"{verb}: {entry.pk}\t{entry.kind}\t{entry}")

    def _entry(self, municipality, kind, name, first, last, geom):
        same = CalendarEntry.objects.filter(
            municipality=municipality, kind=kind, name=name, starts_on=first, ends_on=last
        ).first()
        same_place = same is not None and (
            (same.geom is None and geom is None)
            or (same.geom is not None and geom is not None and same.geom.equals_exact(geom, 0.01))
        )
        if same_place:
            return same, False
        entry = CalendarEntry(
            municipality=municipality,
            kind=kind,
            name=name,
            starts_on=first,
            ends_on=last,
            geom=geom,
        )
        try:
            entry.full_clean()
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            option = {"geom": "--lon/--lat", "ends_on": "--to", "name": "--name"}.get(field, field)
            raise CommandError(f"{option}: {messages[0]}") from None
        entry.save()
        return entry, True

    def _import(self, options: dict) -> None:
        kind = _kind(options["kind"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"FILE: no such file: {options['file']}")
        try:
            entries = imports.read_file(path.name, path.read_bytes(), kind)
        except OSError as error:
            raise CommandError(f"FILE: cannot read {options['file']}: {error.strerror}") from None
        except imports.CalendarFileError as problem:
            raise CommandError(f"{path.name}: {problem}; nothing was imported") from None
        tally = imports.store(municipality_option(options["municipality"]), entries)
        self.stdout.write(
            f"{path.name}: {tally['added']} added, {tally['updated']} updated, "
            f"{tally['unchanged']} unchanged"
        )

    def _list(self, options: dict) -> None:
        first = date_option("--from", options["first"]) or timezone.localdate()
        last = date_option("--to", options["last"]) or first + timedelta(weeks=LIST_WEEKS)
        if last < first:
            raise CommandError(f"--to ({last}) lies before --from ({first})")
        if (last - first).days > 366 * 5:
            raise CommandError("--from to --to spans at most five years")
        municipality = municipality_option(options["municipality"])
        days = calendar_days(municipality, first, last)
        rows = [
            {"date": d.isoformat(), "day_type": t, "kind": k, "name": n}
            for d, t, k, n in days.itertuples(index=False)
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            weekday = date.fromisoformat(row["date"]).strftime("%a")
            extra = f"\t{row['name']}" if row["name"] != row["day_type"] else ""
            self.stdout.write(f"{row['date']} {weekday}\t{row['day_type']}\t{row['kind']}{extra}")

    def _effects(self, options: dict) -> None:
        if options["measure"] not in MEASURES:
            raise CommandError(
                f"--measure must be one of {', '.join(MEASURES)}, got {options['measure']!r}"
            )
        if options["by"] is not None and options["by"] not in SPLITS:
            raise CommandError(f"--by must be one of {', '.join(SPLITS)}, got {options['by']!r}")
        since = date_option("--since", options["since"])
        municipality: Municipality = municipality_option(options["municipality"])
        if since is not None and since >= timezone.localdate():
            raise CommandError(f"--since must lie in the past, got {since}")
        rows = effects(municipality, since=since, measure=options["measure"], by=options["by"])
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("no reports or incidents to judge the calendar by")
            return
        for row in rows:
            split = f"\t{row[options['by']]}" if options["by"] else ""
            self.stdout.write(
                f"{row['name']}{split}\t{row['days']} days\tobserved {row['observed']}\t"
                f"expected {row['expected']:.1f}\trate ratio {_ratio(row)}"
            )

"""`trygg prioritise`: recompute and store the ranked fixes of a municipality.

    trygg prioritise [--municipality CODE] [--as-of DATE] [--half-life DAYS]
                     [--snap-tolerance M] [--min-demand X] [--time-zone ZONE] [--top N]
                     [--dry-run]

Bad parameters stop the command with one line on stderr and exit status 1.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gis.core.options import moment_option, municipality_option, number_option, option_error
from gis.fixes.persist import compute, default_params, recompute
from layers.models import GreenArea, Property, StreetSegment

# The engine's parameters and the options that set them, for its error messages.
OPTION_OF = {
    "half_life_days": "--half-life",
    "snap_tolerance_m": "--snap-tolerance",
    "min_demand": "--min-demand",
    "timezone": "--time-zone",
}


class Command(BaseCommand):
    help = "Recompute the ranked physical-environment fixes of a municipality and store them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--municipality", help="municipality code (default: the only one)")
        parser.add_argument(
            "--as-of",
            help="date (YYYY-MM-DD: the end of that day) or ISO datetime of the analysis; "
            "default now",
        )
        parser.add_argument("--half-life", help="recency half-life in days")
        parser.add_argument("--snap-tolerance", help="report snapping distance in metres")
        parser.add_argument("--min-demand", help="least relevant demand of a fix")
        parser.add_argument("--time-zone", help="IANA zone of incident hours")
        parser.add_argument("--top", default="10", help="fixes to print (default 10)")
        parser.add_argument("--dry-run", action="store_true", help="compute, do not store")

    def handle(self, *args, **options) -> None:
        top = number_option("--top", options["top"], integer=True)
        if top < 0:
            raise CommandError(f"--top must be >= 0, got {options['top']}")
        municipality = municipality_option(options["municipality"])
        zone = options["time_zone"] or settings.TIME_ZONE
        as_of = _as_of(options["as_of"], zone)
        overrides = {
            name: number_option(f"--{option.replace('_', '-')}", options[option])
            for option, name in (
                ("half_life", "half_life_days"),
                ("snap_tolerance", "snap_tolerance_m"),
                ("min_demand", "min_demand"),
            )
            if options[option] is not None
        }
        overrides["timezone"] = zone
        try:
            params = default_params(municipality, **overrides)
        except ValueError as error:
            raise option_error(error, OPTION_OF) from None
        started = time.perf_counter()
        if options["dry_run"]:
            result, _ = compute(municipality, as_of=as_of, params=params)
            self.stdout.write(f"dry run: {len(result.fixes)} fixes, nothing stored")
        else:
            done = recompute(municipality, as_of=as_of, params=params)
            result = done.result
            self.stdout.write(
                f"run {done.run.pk}: {len(result.fixes)} fixes ranked "
                f"({done.created} new, {done.updated} updated, {done.kept} kept out of the "
                f"ranking, {done.removed} stale removed)"
            )
        self.stdout.write(
            f"{municipality.code} as of {as_of.isoformat()}: {time.perf_counter() - started:.1f} s"
        )
        self._print_top(result.fixes, top)
        self._print_risk(result.risk)

    def _print_top(self, fixes, top: int) -> None:
        if top == 0:
            return
        self.stdout.write(f"top {min(top, len(fixes))} fixes:")
        self.stdout.write(f"{'rank':>4}  {'fix':<16} {'department':<10} {'score':>8}  place")
        shown = fixes.head(top)
        # Each place by its name as people use it (layers.naming), its record in brackets.
        places = {
            kind: model.objects.in_bulk(
                [int(i) for i in shown.loc[shown["place_kind"] == kind, "place_id"]]
            )
            for kind, model in (
                ("segment", StreetSegment),
                ("green_area", GreenArea),
                ("property", Property),
            )
        }
        for row in shown.itertuples():
            place = places.get(row.place_kind, {}).get(int(row.place_id))
            self.stdout.write(
                f"{row.rank:>4}  {row.fix_type:<16} {row.department:<10} {row.score:>8.2f}  "
                f"{place or '–'} ({row.place_kind} {row.place_id})"
            )

    def _print_risk(self, risk) -> None:
        self.stdout.write("Risk Terrain Model (relative risk of evening/night reports):")
        for row in risk.itertuples():
            self.stdout.write(
                f"  {row.covariate:<16} RR {row.relative_risk:6.3f} "
                f"[{row.ci_low:.3f}, {row.ci_high:.3f}] p={row.p_value:.3g} {row.model}"
                + (f" ({row.note})" if row.note else "")
            )


def _as_of(text: str | None, zone: str) -> dt.datetime:
    """--as-of as an aware instant (a date: the end of that day in `zone`); default now."""
    now = timezone.now()
    if not text:
        return now
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        raise CommandError(f"--time-zone must be an IANA zone name, got {zone!r}") from None
    moment = moment_option("--as-of", text, end_of_day=True, zone=tz)
    if moment > now + dt.timedelta(days=1):
        raise CommandError(f"--as-of must not be in the future, got {text}")
    return moment

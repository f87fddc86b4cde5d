"""Options shared by `trygg heatmap` and `trygg hotspots`: municipality, filters, period, user.

Every bad value stops the command with a one-line CommandError naming the option.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from gis.core.models import Municipality
from gis.core.options import moment_option, option_error
from gis.hotspots.selection import SOURCES, WHEN, ReportSelection
from layers.models import District

#: Engine parameter names as they start ValueError messages, and the option that sets them.
OPTION_OF = {
    "bandwidth": "--bandwidth",
    "cell_size": "--cell-size",
    "distance": "--distance",
    "months": "--months",
    "max_cells": "--max-cells",
    "time_window": "--time-window",
    "trend_alpha": "--trend-alpha",
    "alpha": "--alpha",
    "kernel": "--kernel",
    "study_area": "--study-area",
    "categories": "--category",
    "since": "--since",
}


def add_selection_arguments(parser) -> None:
    """Municipality, report filters, weighting and who runs it."""
    parser.add_argument("--municipality", help="municipality code (default: the only one)")
    parser.add_argument(
        "--category",
        action="append",
        default=[],
        help="category code; repeat or separate with commas (default: all)",
    )
    parser.add_argument(
        "--when", action="append", default=[], help=f"{', '.join(WHEN)} (default: all)"
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        help=f"{', '.join(SOURCES)} (walk = safety-walk findings, resident = pins; default all)",
    )
    parser.add_argument("--district", help="district id or name (default: the whole municipality)")
    parser.add_argument(
        "--weighted", action="store_true", help="weight reports by severity (pins, incidents: 3)"
    )
    parser.add_argument("--user", help="username recorded as who ran the analysis")


def add_period_arguments(parser) -> None:
    """--since / --until (dates are local days; --until includes its day)."""
    parser.add_argument("--since", help="first day (YYYY-MM-DD) or ISO datetime (default: all)")
    parser.add_argument("--until", help="last day (YYYY-MM-DD, included) or ISO datetime")


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def selection(options: dict, place: Municipality) -> ReportSelection:
    """The report filters of the command line."""
    district = options["district"]
    district_id = None
    if district:
        districts = District.objects.filter(municipality=place)
        found = (
            districts.filter(pk=int(district)).first()
            if district.isdigit()
            else districts.filter(name__iexact=district).first()
        )
        if found is None:
            names = ", ".join(districts.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"--district must be a district of {place} ({names}), got {district!r}"
            )
        district_id = found.pk
    try:
        return ReportSelection(
            categories=_split(options["category"]),
            when=_split(options["when"]),
            sources=_split(options["source"]),
            district=district_id,
            weighted=options["weighted"],
        )
    except ValueError as error:
        raise option_error(error, OPTION_OF) from None


def period(options: dict) -> tuple[datetime | None, datetime | None]:
    """--since and --until as aware datetimes, since before until."""
    since = moment_option("--since", options["since"])
    until = moment_option("--until", options["until"], end_of_day=True)
    if since is not None and until is not None and since >= until:
        raise CommandError(
            f"--since must be before --until, got {options['since']} >= {options['until']}"
        )
    return since, until


def user(username: str | None):
    """The user with `username`, or None."""
    if not username:
        return None
    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise CommandError(f"--user must be an existing username, got {username!r}")
    return found

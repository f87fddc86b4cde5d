"""Options shared by `trygg heatmap` and `trygg hotspots`: municipality, filters, period, user.

Every bad value stops the command with a one-line CommandError naming the option.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from gis.core.models import Municipality
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
        raise CommandError(option_message(error)) from None


def moment(option: str, value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """An aware datetime from a date (local day; its end when `end_of_day`) or ISO datetime."""
    if value is None:
        return None
    try:
        parsed_date = parse_date(value) if len(value) <= 10 else None
        parsed = None if parsed_date is not None else parse_datetime(value)
    except ValueError:  # well formed but impossible, e.g. month 13
        parsed_date = parsed = None
    if parsed_date is not None:
        day = parsed_date + timedelta(days=1) if end_of_day else parsed_date
        return timezone.make_aware(datetime.combine(day, time.min))
    if parsed is None:
        raise CommandError(f"{option} must be a date (YYYY-MM-DD) or ISO datetime, got {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def period(options: dict) -> tuple[datetime | None, datetime | None]:
    """--since and --until as aware datetimes, since before until."""
    since = moment("--since", options["since"])
    until = moment("--until", options["until"], end_of_day=True)
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


def number(option: str, value: str | None, *, integer: bool = False) -> float | int | None:
    """A number from the command line, or None."""
    if value is None:
        return None
    try:
        return int(value) if integer else float(value)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise CommandError(f"{option} must be {kind}, got {value!r}") from None


def option_message(error: ValueError) -> str:
    """The engine's one-line message with the parameter name replaced by its option."""
    message = str(error).splitlines()[0]
    for name, option in OPTION_OF.items():
        if message.startswith(name + " "):
            return option + message[len(name) :]
    return message

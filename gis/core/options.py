"""Command-line options that several management commands share: the municipality, numbers and
moments. Each bad value is a CommandError of one line that names the option."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from gis.core.models import Municipality


def municipality_option(code: str | None) -> Municipality:
    """The municipality that `--municipality CODE` names, or the only one when no code is given.

    An unknown code, or no code while several (or no) municipalities are loaded, is a
    CommandError that names the option and lists the codes to choose from."""
    codes = ", ".join(Municipality.objects.values_list("code", flat=True)) or "none loaded"
    if code:
        found = Municipality.objects.filter(code=code).first()
        if found is None:
            raise CommandError(f"--municipality must be one of {codes}, got {code!r}")
        return found
    everyone = list(Municipality.objects.all()[:2])
    if len(everyone) != 1:
        raise CommandError(f"--municipality is required: choose one of {codes}")
    return everyone[0]


def number_option(option: str, value: str | None, *, integer: bool = False) -> float | int | None:
    """The number (an int when `integer`) that `option` was given, or None when not given."""
    if value is None:
        return None
    try:
        return int(value) if integer else float(value)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise CommandError(f"{option} must be {kind}, got {value!r}") from None


def moment_option(
    option: str, value: str | None, *, end_of_day: bool = False, zone: tzinfo | None = None
) -> datetime | None:
    """The aware instant that `option` was given, or None when not given.

    A date (YYYY-MM-DD) means the start of that local day, or its end (the next midnight) when
    `end_of_day`; an ISO datetime without an offset is local time. Local is `zone`, else the
    installation's time zone."""
    if value is None:
        return None
    zone = zone or timezone.get_current_timezone()
    try:
        parsed_date = parse_date(value) if len(value) <= 10 else None
        parsed = None if parsed_date is not None else parse_datetime(value)
    except ValueError:  # well formed but impossible, e.g. month 13
        parsed_date = parsed = None
    if parsed_date is not None:
        day = parsed_date + timedelta(days=1) if end_of_day else parsed_date
        return datetime.combine(day, time.min, tzinfo=zone)
    if parsed is None:
        raise CommandError(f"{option} must be a date (YYYY-MM-DD) or ISO datetime, got {value!r}")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=zone)


def option_error(error: ValueError, options: dict[str, str]) -> CommandError:
    """The engine's error as a command's: its first line, with the parameter it starts with
    (a key of `options`, e.g. "half_life_days") replaced by that parameter's option."""
    message = str(error).splitlines()[0]
    for name, option in options.items():
        if message.startswith(name + " "):
            return CommandError(option + message[len(name) :])
    return CommandError(message)

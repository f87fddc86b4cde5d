"""ISO weeks as plans name them ("2026-W50"): plain Python, light enough for the back office."""

from __future__ import annotations

import re
from datetime import date

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def parse_week(week: str) -> date:
    """The Monday of ISO week ``YYYY-Www``; a ValueError naming the week when it is not one."""
    match = _WEEK.fullmatch(str(week).strip())
    if match is None:
        raise ValueError(f"week must be an ISO week YYYY-Www (e.g. 2026-W50), got {week!r}")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"week {week!r} does not exist (weeks run 01-52 or 53)") from None


def week_label(day: date) -> str:
    """The ISO week that ``day`` lies in, as ``YYYY-Www``."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"

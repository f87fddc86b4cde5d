"""When something happened, for people: an instant or a span such as "between 22:00 and 06:00".

An incident has a start (``occurred_at``) and, when the police list gives one, an end
(``occurred_to``). This module is the one place that writes such a pair as text, so the
situation picture, the dashboard's details, the fix page, the back office and the exports all
read alike. Both instants are shown on the local clock of one IANA zone (the installation's
``settings.TIME_ZONE`` unless the caller passes another), the date in the active language:

==========================================  ===============================================
span (local clock)                          text (Swedish; English alike with its months)
==========================================  ===============================================
no end, or the end equals the start         ``12 mars 2026 22:00``
the same day                                ``12 mars 2026 22:00–23:30``
past midnight into the next day, ending     ``12 mars 2026 22:00–06:00``
earlier on the clock than it started
anything longer                             ``12 mars 2026 10:00 – 13 mars 2026 12:00``
==========================================  ===============================================

A night when the clocks fall back can end earlier on the clock than it started on the same
day (02:30 summer time to 02:15 winter time); then each time carries its zone's abbreviation
(``25 oktober 2026 02:30 CEST–02:15 CET``), so the text never reads as a later day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import dateformat

from gis.core.timeofday import zone

#: The dash between the two ends of a span (EN DASH, as Swedish and English typesetting use).
DASH = "–"


def _day(local: datetime) -> str:
    # "j F Y": day without a leading zero, the month's name in the active language, the year.
    return dateformat.format(local, "j F Y")


def _clock(local: datetime, with_zone: bool = False) -> str:
    text = f"{local:%H:%M}"
    return f"{text} {local.tzname()}" if with_zone else text


def format_span(start: datetime, end: datetime | None = None, tz: str | None = None) -> str:
    """The instant `start`, or the span `start` … `end`, as text for people.

    Parameters
    ----------
    start : datetime
        Timezone-aware instant (any zone); when it happened or when its span began.
    end : datetime or None
        Timezone-aware end of the span, no earlier than `start`; None for an instant.
    tz : str or None
        IANA zone whose local clock is shown; ``settings.TIME_ZONE`` when None.

    Returns
    -------
    str
        E.g. "12 mars 2026 22:00–06:00" (Swedish active) or "12 March 2026 22:00–06:00"; the
        month names follow the active language, the clock is 24-hour in every language.

    Raises
    ------
    ValueError
        When an instant is naive or `end` lies before `start`.
    """
    for name, value in (("start", start), ("end", end)):
        if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
            raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    if end is not None and end < start:
        raise ValueError(f"end {end.isoformat()} lies before start {start.isoformat()}")
    local_zone = zone(tz or settings.TIME_ZONE)
    first = start.astimezone(local_zone)
    if end is None or end == start:
        return f"{_day(first)} {_clock(first)}"
    last = end.astimezone(local_zone)
    same_day = last.date() == first.date()
    next_day = last.date() == first.date() + timedelta(days=1)
    earlier_on_clock = last.time() < first.time()
    if same_day:
        zoned = earlier_on_clock  # the clocks fell back within the span
        return f"{_day(first)} {_clock(first, zoned)}{DASH}{_clock(last, zoned)}"
    if next_day and earlier_on_clock:
        return f"{_day(first)} {_clock(first)}{DASH}{_clock(last)}"
    return f"{_day(first)} {_clock(first)} {DASH} {_day(last)} {_clock(last)}"

"""The range of dates a filter may ask for, shared by every date parser of pages and APIs.

A period filter must leave room for the arithmetic done on it: the situation picture compares
a period with the one of equal length before it, so ``from=0001-01-02&to=9999-12-30`` would
ask for a previous period before the year 1 (OverflowError, a 500). Every date parameter is
therefore bounded to [``EARLIEST``, ``LATEST``): wide enough for any real record (and for
"some day far in the future"), narrow enough that the longest period's predecessor starts
after the year 800 (2 × 1900 − 3000), so it and a few years of look-back stay representable.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
#: The first and last year allowed, for messages.
BOUND_YEARS = {"first": EARLIEST.year, "last": LATEST.year - 1}


def out_of_bounds(moment: datetime) -> str | None:
    """A message when `moment` (aware) lies outside [EARLIEST, LATEST), else None.

    A day of slack on either side lets a local day at a bound pass whatever its UTC offset.
    """
    slack = timedelta(days=1)
    if EARLIEST - slack <= moment < LATEST + slack:
        return None
    return (
        f"must lie in the years {BOUND_YEARS['first']} to {BOUND_YEARS['last']}, "
        f"got {moment.isoformat()}"
    )

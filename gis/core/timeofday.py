"""Day, evening and night: the one definition of the times of day, for every part of Trygg.

A report made in the field says when a place feels unsafe ("day", "evening", "night", the
values of :class:`gis.core.vocabulary.WhenUnsafe`); an incident only has an instant, so its
period is read from the hour of that instant on the local clock. This module is the only place
where those hours are chosen; the dashboard's SQL, the hot-spot selection, the prioritisation
engine, Open311 and the demo generator all derive theirs from :data:`PERIODS`.

=======  ===========  ====================================================
period   local hours  half-open ``[start, end)`` on the local clock hour
=======  ===========  ====================================================
day      07 – 18      07:00:00 … 17:59:59
evening  18 – 22      18:00:00 … 21:59:59
night    22 – 07      22:00:00 … 06:59:59 (wraps past midnight)
=======  ===========  ====================================================

Hours are local clock hours in an IANA time zone that the caller passes (the installation's
``settings.TIME_ZONE``, or a municipality's own zone where the caller knows it): the same UTC
instant can be evening in Stockholm and night in Helsinki, and 07:30 is day in summer and in
winter alike, whatever the UTC offset. Pure Python, numpy and pandas: no Django, so the pure
engines (:mod:`gis.priority`) can import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gis.core.lazy import lazy_module

np = lazy_module("numpy")
pd = lazy_module("pandas")

DAY = "day"
EVENING = "evening"
NIGHT = "night"
#: The period names, in the order of the day (and of ``WhenUnsafe``).
NAMES: tuple[str, ...] = (DAY, EVENING, NIGHT)


@dataclass(frozen=True)
class Period:
    """One time of day: local clock hours ``[start, end)``; ``end < start`` wraps past midnight.

    Attributes
    ----------
    name : str
        "day", "evening" or "night".
    start, end : int
        Local clock hours, 0-23; ``start`` is included, ``end`` is not.
    """

    name: str
    start: int
    end: int

    @property
    def wraps(self) -> bool:
        """True when the period runs past midnight (night)."""
        return self.end <= self.start

    @property
    def hours(self) -> tuple[int, ...]:
        """The local clock hours (0-23) in the period, in clock order from `start`."""
        return tuple((self.start + i) % 24 for i in range(self.span[1] - self.start))

    @property
    def span(self) -> tuple[int, int]:
        """``(start, end)`` with `end` past 24 when the period wraps: (22, 31) for night.

        Hours after the start of the period's first local day, for drawing instants with
        :func:`local_instant`.
        """
        return (self.start, self.end + 24 if self.wraps else self.end)

    def contains_hour(self, hour: int) -> bool:
        """Whether the local clock hour `hour` (0-23) lies in the period."""
        if self.wraps:
            return hour >= self.start or hour < self.end
        return self.start <= hour < self.end


#: The three periods: day [07, 18), evening [18, 22), night [22, 07), local clock hours.
PERIODS: tuple[Period, ...] = (
    Period(DAY, 7, 18),
    Period(EVENING, 18, 22),
    Period(NIGHT, 22, 7),
)
BY_NAME: dict[str, Period] = {p.name: p for p in PERIODS}


def _hour_table() -> tuple[str, ...]:
    table = []
    for hour in range(24):
        owners = [p.name for p in PERIODS if p.contains_hour(hour)]
        if len(owners) != 1:  # the periods must cover the clock exactly once
            raise AssertionError(f"hour {hour} lies in periods {owners}")
        table.append(owners[0])
    return tuple(table)


#: The period of each local clock hour 0-23.
PERIOD_OF_HOUR: tuple[str, ...] = _hour_table()
_LOOKUP = np.array([*PERIOD_OF_HOUR, None], dtype=object)  # index 24: no hour (NaT)


def period(name: str) -> Period:
    """The :class:`Period` called `name`; ValueError naming the known ones otherwise."""
    try:
        return BY_NAME[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown time of day {name!r}; expected one of {', '.join(NAMES)}"
        ) from None


def zone(tz: str) -> ZoneInfo:
    """The IANA time zone `tz`; ValueError naming it if unknown."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown IANA time zone {tz!r}") from None


def period_of_hour(hour: int) -> str:
    """The period of a local clock hour (0-23).

    Parameters
    ----------
    hour : int
        Local clock hour in the zone the caller reads its instants in.

    Returns
    -------
    str
        "day", "evening" or "night".
    """
    if isinstance(hour, bool) or not isinstance(hour, int | np.integer) or not 0 <= hour < 24:
        raise ValueError(f"hour must be an integer 0-23, got {hour!r}")
    return PERIOD_OF_HOUR[int(hour)]


def period_of(instant: datetime, tz: str) -> str:
    """The period of one aware instant, from its local clock hour in the zone `tz`.

    Parameters
    ----------
    instant : datetime
        Timezone-aware; a naive datetime raises ValueError (its zone would be a guess).
    tz : str
        IANA zone whose local clock decides, e.g. ``settings.TIME_ZONE``.
    """
    if not isinstance(instant, datetime) or instant.utcoffset() is None:
        raise ValueError(f"instant must be a timezone-aware datetime, got {instant!r}")
    return PERIOD_OF_HOUR[instant.astimezone(zone(tz)).hour]


def periods_of(
    instants: Iterable | pd.Series | pd.DatetimeIndex | np.ndarray, tz: str
) -> np.ndarray:
    """The periods of many instants, vectorised, from their local clock hour in `tz`.

    Parameters
    ----------
    instants : pandas Series / DatetimeIndex, numpy datetime64 array or iterable of datetimes
        Aware instants in any zone, or naive values that are UTC (numpy's datetime64 and
        naive pandas columns read from the database are). NaT gives None.
    tz : str
        IANA zone whose local clock decides, e.g. ``settings.TIME_ZONE``.

    Returns
    -------
    numpy.ndarray
        Object array of "day", "evening", "night" (None for NaT), in input order.
    """
    zone(tz)  # an unknown zone names itself here, not deep inside pandas
    if not isinstance(instants, pd.Series | pd.Index | np.ndarray):
        instants = list(instants)
    if len(instants) == 0:
        return np.zeros(0, dtype=object)
    values = pd.DatetimeIndex(pd.to_datetime(instants, utc=True))
    hours = np.asarray(values.tz_convert(tz).hour, dtype=np.float64)
    index = np.where(np.isnan(hours), 24, hours).astype(np.intp)
    return _LOOKUP[index]


_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def period_case_sql(column: str, tz: str) -> tuple[str, list]:
    """A PostgreSQL ``CASE`` expression giving the period of a ``timestamptz`` column.

    Parameters
    ----------
    column : str
        A column reference written by the calling code (``name`` or ``alias.name``), never
        user input; anything else raises ValueError.
    tz : str
        IANA zone whose local clock decides, e.g. ``settings.TIME_ZONE``; passed as a query
        parameter, not SQL text.

    Returns
    -------
    sql, params
        ``CASE WHEN <local hour> ... THEN 'day' ... END`` with ``%s`` placeholders (psycopg
        style) and its parameters in order: the zone, hour bounds and period names. A NULL
        instant gives NULL.
    """
    if not isinstance(column, str) or not _COLUMN.match(column):
        raise ValueError(f"column must be a plain column reference, got {column!r}")
    zone(tz)
    hour = f"extract(hour from {column} AT TIME ZONE %s)"
    whens, params = [], []
    for p in PERIODS:
        joiner = "OR" if p.wraps else "AND"
        whens.append(f"WHEN {hour} >= %s {joiner} {hour} < %s THEN %s")
        params += [tz, p.start, tz, p.end, p.name]
    return f"(CASE {' '.join(whens)} END)", params


def local_instant(day: date, hours: float, tz: str) -> datetime:
    """The instant `hours` local clock hours after midnight of the local day `day`, in UTC.

    Reads `hours` on the wall clock (07:30 is 07:30 on the day clocks change, too); hours of
    24 or more fall on the next day, so ``local_instant(day, 23.5 + 2, tz)`` is 01:30 the day
    after. A wall time that the clock skips (spring forward) is read with the offset before
    the change, i.e. one hour later on the clock, as :mod:`zoneinfo` does.

    Parameters
    ----------
    day : date
        Local calendar day.
    hours : float
        Local clock hours after its midnight, e.g. drawn from ``period(name).span``.
    tz : str
        IANA zone.

    Returns
    -------
    datetime
        Aware, in UTC.
    """
    whole = int(np.floor(hours))
    clock_day = day + timedelta(days=whole // 24)
    wall = datetime.combine(clock_day, time(whole % 24)) + timedelta(hours=hours - whole)
    return wall.replace(tzinfo=zone(tz)).astimezone(UTC)

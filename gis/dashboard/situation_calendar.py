"""The situation picture's coming risk days: the calendar's days in the weeks after the period
with the historic effect of each day type (reports and incidents against comparable ordinary
days, :mod:`gis.riskcalendar.effects`), e.g. "Valborgsmässoafton 30 apr: 2,1× (1,4–3,2) more
reports", or "too little data".

Consecutive days of one day type (a lov week) are one row. The effects are the whole
municipality's over its whole history, whatever district the picture shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from gis.core.models import Municipality
from gis.riskcalendar.days import calendar_days, kind_label
from gis.riskcalendar.effects import cached_effects

#: How far after the period's end the situation picture looks (weeks).
WEEKS_AHEAD = 4


@dataclass
class RiskDay:
    """A run of days of one day type and what history says of it."""

    first: date
    last: date
    day_type: str
    kind: str
    kind_label: str
    name: str
    rate_ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    history_days: int = 0

    @property
    def direction(self) -> str:
        """ "more", "fewer", "unclear" (the interval covers 1) or "unknown" (too little data)."""
        if self.rate_ratio is None:
            return "unknown"
        if self.ci_low > 1:
            return "more"
        if self.ci_high < 1:
            return "fewer"
        return "unclear"


def _runs(days) -> list[tuple[date, date, str, str, str]]:
    runs: list[list] = []
    for day, day_type, kind, name in sorted(days, key=lambda r: (r[1], r[0])):
        last = runs[-1] if runs else None
        if last and last[2] == day_type and last[1] + timedelta(days=1) == day:
            last[1] = day
        else:
            runs.append([day, day, day_type, kind, name])
    return sorted((tuple(r) for r in runs), key=lambda r: (r[0], r[2]))


def coming_risk_days(
    municipality: Municipality, after: datetime, weeks: int = WEEKS_AHEAD
) -> list[RiskDay]:
    """The risk days from the local date of `after` (the period's end) for `weeks` weeks."""
    first = timezone.localtime(after).date()
    last = first + timedelta(weeks=weeks) - timedelta(days=1)
    days = calendar_days(municipality, first, last)
    effects = {row["name"]: row for row in cached_effects(municipality)}
    found = []
    for start, end, day_type, kind, name in _runs(days.itertuples(index=False)):
        row = effects.get(day_type) or {}
        found.append(
            RiskDay(
                first=start,
                last=end,
                day_type=day_type,
                kind=kind,
                kind_label=kind_label(kind),
                name=name,
                rate_ratio=row.get("rate_ratio"),
                ci_low=row.get("ci_low"),
                ci_high=row.get("ci_high"),
                history_days=row.get("days", 0),
            )
        )
    return found


def csv_rows(risk_days: list[RiskDay]) -> list[list]:
    """The risk days as rows of the situation CSV (section, key, label, metric, value)."""
    rows = []
    for day in risk_days:
        key = day.first.isoformat()
        for metric, value in (
            ("last_day", day.last.isoformat()),
            ("kind", day.kind),
            ("rate_ratio", day.rate_ratio),
            ("ci_low", day.ci_low),
            ("ci_high", day.ci_high),
            ("history_days", day.history_days),
        ):
            rows.append(["risk_days", key, day.day_type, metric, "" if value is None else value])
    return rows

"""When a place is hot, for people: the situation picture's weekday × hour grid of the period's
reports and the hot hours of its top hot spots in words ("fre–lör 22–02"), and the dashboard's
texts for the same grid (gis/dashboard/static/dashboard/timeprofile.js).

The profiles are :mod:`gis.hotspots.timeprofiles`' (aoristic spreading of spans, severity
weights); the situation picture's hot spots are its live Gi* cells, whose ids are cells of the
grid of :func:`gis.dashboard.queries.hotspot_grid`.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

from gis.dashboard.filters import reports_sql
from gis.dashboard.queries import hotspot_grid
from gis.hotspots import timeprofiles

#: Hot spots of the situation picture whose hot hours are named, strongest first.
TOP_HOTSPOTS = 5
#: Colour steps of a grid cell (CSS classes tp-0 … tp-5).
STEPS = 5


def js_texts() -> dict[str, str]:
    """The dashboard's texts of the grid, by the keys timeprofile.js reads."""
    return {
        "tpTitle": _("When during the week"),
        "tpMost": _("Most: {hours}"),
        "tpNone": _("No reports with these filters."),
        "tpDay": _("Weekday"),
        "tpSelection": _("Reports with these filters by weekday and hour"),
        "tpCell": _("Reports in the hot spot {place} by weekday and hour"),
        "tpNote": _(
            "{n} reports by local hour; one known only as a span is spread over its hours."
        ),
    }


def step(value: float, largest: float) -> int:
    """A cell's colour step: 0 for none, else 1 … STEPS by its share of the largest."""
    if value <= 0 or largest <= 0:
        return 0
    return max(1, min(STEPS, math.ceil(value / largest * STEPS)))


def table(profile: dict) -> list[dict]:
    """The rows of a profile's grid for a template: each weekday's name, short name and its 24
    cells (value and colour step)."""
    largest = max(profile["bins"]) if profile["bins"] else 0.0
    return [
        {
            "name": name,
            "short": short,
            "cells": [{"value": value, "step": step(value, largest)} for value in row],
        }
        for name, short, row in zip(
            profile["weekdays"], profile["weekdays_short"], profile["grid"], strict=True
        )
    ]


def section(situation) -> dict:
    """The situation picture's time section: the period's grid (`profile`, `rows`, `hours`)
    and the top hot spots (new and persisting, most reports first) with their hot hours."""
    filters = situation.filters
    found = timeprofiles.records(*reports_sql(filters))
    count = len(found[["source", "id"]].drop_duplicates())
    profile = timeprofiles.summary(timeprofiles.profile_of(found), count)
    hot = []
    for status, frame in (("new", situation.hot_new), ("persisting", situation.hot_persisting)):
        hot += [
            (float(row.value), int(row.cell_id), row.place, status) for row in frame.itertuples()
        ]
    hot.sort(key=lambda item: (-item[0], item[1]))
    hot = hot[:TOP_HOTSPOTS]
    spots = []
    if hot:
        by_cell = timeprofiles.profiles(found, "cell", grid=hotspot_grid(filters.municipality_id))
        for _value, cell, place, status in hot:
            bins = by_cell.loc[cell].to_numpy() if cell in by_cell.index else None
            spots.append(
                {
                    "cell": cell,
                    "place": place,
                    "status": status,
                    "reports": 0 if bins is None else round(float(bins.sum()), 1),
                    "hours": "" if bins is None else timeprofiles.hours_in_words(bins, short=True),
                }
            )
    return {
        "profile": profile,
        "rows": table(profile),
        "hours": [f"{hour:02d}" for hour in range(24)],
        "hotspots": spots,
    }

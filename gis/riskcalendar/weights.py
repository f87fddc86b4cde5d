"""How much more harm to expect on given dates, for the presence planner.

A date's multiplier is the historic rate ratio (:mod:`gis.riskcalendar.effects`, reports and
incidents together) of its strongest day type: the one furthest from 1 among those whose
95 % interval excludes 1. A date without such a day type, or without any, weighs 1.0. The
effects are computed once and cached while the municipality's data stays the same, so a
week's weights take a few queries.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence

from gis.analysis.calendar_effects import is_effect
from gis.core.models import Municipality
from gis.riskcalendar.days import calendar_days
from gis.riskcalendar.effects import cached_effects


def day_weights(
    municipality: Municipality, days: Sequence[datetime.date]
) -> dict[datetime.date, float]:
    """The multiplier of expected harm on each of `days` (1.0 on ordinary days)."""
    weights = dict.fromkeys(days, 1.0)
    if not weights:
        return weights
    significant = {
        row["name"]: float(row["rate_ratio"])
        for row in cached_effects(municipality)
        if is_effect(row) and row["rate_ratio"] > 0
    }
    if not significant:
        return weights
    calendar = calendar_days(municipality, min(weights), max(weights))
    for day, day_type in zip(calendar["date"], calendar["day_type"], strict=True):
        ratio = significant.get(day_type)
        if day not in weights or ratio is None:
            continue
        if abs(math.log(ratio)) > abs(math.log(weights[day])):
            weights[day] = ratio
    return weights

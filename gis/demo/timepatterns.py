"""Hours of the week of the demo's planted places, so that each hot spot is hot at its own time.

The generator dates a report at a random day of its month and a clock hour of its time of day
(:mod:`gis.demo.generate`), so every place would look alike across the week. Here the resident
pins of a few planted places move to the weekdays people would see them on: the gathering on
Friday and Saturday nights, the graffiti wall on weekdays, the gathering that moved after its
fix on Wednesday and Thursday evenings. A report keeps its clock time, its time of day and its
month; a night's hours after midnight stay with the evening before (Friday night 01:00 is a
Saturday). A report that no allowed day of its month can hold keeps its day.

The days are drawn from a generator of their own (seeded), so the rest of the demo, drawn from
the main stream, stays as it was.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gis.core import timeofday
from gis.core.lazy import lazy_module

np = lazy_module("numpy")

#: The evenings (Monday 0) each planted place's pins fall on.
WEEKDAYS_OF: dict[str, tuple[int, ...]] = {
    "persistent_gathering": (4, 5),
    "diminishing_graffiti": (0, 1, 2, 3, 4),
    "moved_after_fix": (2, 3),
}
#: A night's local hour before this belongs to the evening before (past midnight).
_NIGHT_ENDS = 12
_SEED_OFFSET = 16


def shape_week(
    pins: list[dict], starts: list[datetime], ends: list[datetime], tz: str, seed: int
) -> None:
    """Move the planted places' pins (``planted`` key, ``month``, ``reported_at``) in place to
    their weekdays (:data:`WEEKDAYS_OF`), within their month (``starts[month]`` to
    ``ends[month]``, exclusive) and at the same local clock time."""
    rng = np.random.default_rng(seed + _SEED_OFFSET)
    zone = timeofday.zone(tz)
    for pin in pins:
        allowed = WEEKDAYS_OF.get(pin.get("planted", ""))
        if not allowed:
            continue
        target = int(rng.choice(allowed))
        local = pin["reported_at"].astimezone(zone)
        hours = local.hour + local.minute / 60 + local.second / 3600
        after_midnight = pin.get("when") == "night" and local.hour < _NIGHT_ENDS
        evening = local.date() - timedelta(days=1 if after_midnight else 0)
        if after_midnight:
            hours += 24
        shift = (target - evening.weekday()) % 7
        start, end = starts[pin["month"]], ends[pin["month"]]
        for days in (shift, shift - 7, shift + 7, shift - 14):
            moved = timeofday.local_instant(evening + timedelta(days=days), hours, tz)
            if start <= moved < end:
                pin["reported_at"] = moved
                break

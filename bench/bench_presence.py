"""Benchmark of the presence planner (``gis.priority.presence``).

Usage (from the project root)::

    .venv/bin/python bench/bench_presence.py                   # 50,000 segments, 100,000 incidents
    .venv/bin/python bench/bench_presence.py 10000 20000 200   # segments, incidents, places

Data, seeded: a grid-like street network (blocks of 80-120 m, a few blocks left out so the
grid is not perfect) with about 50,000 segments; 100,000 incidents of the last 180 days, half
of them on 400 hot segments each with an hour-of-week pattern (Friday-Saturday nights,
weekday afternoons or every evening), the rest spread over the city on a day-and-evening
curve; a fifth are spans of 1-8 hours (spread aoristically). Ten teams: two police cars every
night 20-03, two guard cars Tuesday-Saturday 19-02, three host teams on foot Monday-Friday
13-19, two night-walker teams on foot Friday-Saturday 21-01, one field team by bike
Monday-Thursday 15-21.

Timed: the time profile of every segment (severity 1-5 and recency weights), the harm of the
week, the top places, the network distances between them, ``plan_visits`` and the reference
``plain_greedy`` (every team round the places by weekly harm, whatever the hour) in the same
run, each on the same places, travel times, windows and seed; then ``harm_covered`` of both
and their ratio.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from gis.analysis.timeprofile import time_profile
from gis.drills.streets import grid
from gis.priority import presence as engine

ZONE = "Europe/Stockholm"
MONDAY = datetime(2026, 12, 7, tzinfo=ZoneInfo(ZONE))
HALF_LIFE_DAYS = 90.0


def network(segments: int, rng):
    """A seeded grid of about `segments` segments: node ids u, v, lengths and midpoints."""
    xy, u, v = grid(segments, rng)
    length = np.hypot(*(xy[u] - xy[v]).T)
    return u, v, length, (xy[u] + xy[v]) / 2


def incidents(count: int, segments: int, rng) -> pd.DataFrame:
    """`count` incidents of the last 180 days before MONDAY with hour-of-week patterns."""
    hot = rng.choice(segments, size=400, replace=False)
    patterns = {
        "weekend_nights": ([4, 5], [21, 22, 23, 24, 25, 26]),
        "weekday_afternoons": ([0, 1, 2, 3, 4], [14, 15, 16, 17]),
        "evenings": (list(range(7)), [18, 19, 20, 21, 22]),
    }
    n_hot = count // 2
    place = np.concatenate([rng.choice(hot, size=n_hot), rng.integers(0, segments, count - n_hot)])
    days_ago = rng.integers(1, 180, size=count)
    weekday = np.empty(count, dtype=int)
    hour = np.empty(count, dtype=int)
    kind = np.array(list(patterns))[hot % 3]
    kinds = dict(zip(hot, kind, strict=True))
    for i in range(n_hot):
        days, hours = patterns[kinds[place[i]]]
        weekday[i], hour[i] = rng.choice(days), rng.choice(hours)
    curve = np.array([1] * 7 + [2] * 10 + [4] * 5 + [2] * 2, dtype=float)
    weekday[n_hot:] = rng.integers(0, 7, count - n_hot)
    hour[n_hot:] = rng.choice(24, size=count - n_hot, p=curve / curve.sum())
    week_start = MONDAY - pd.to_timedelta(days_ago // 7 * 7 + 7, unit="D")
    start = (
        pd.DatetimeIndex(week_start)
        + pd.to_timedelta(weekday, unit="D")
        + pd.to_timedelta(hour, unit="h")
        + pd.to_timedelta(rng.integers(0, 60, count), unit="min")
    )
    spans = rng.random(count) < 0.2
    end = pd.Series(start + pd.to_timedelta(rng.integers(1, 9, count), unit="h")).where(spans)
    return pd.DataFrame(
        {
            "segment": place,
            "start": start,
            "end": end,
            "severity": rng.integers(1, 6, count),
            "age_days": (MONDAY - start).total_seconds() / 86400.0,
        }
    )


def shifts(days, start: int, end: int) -> list[tuple[datetime, datetime]]:
    return [
        (
            MONDAY + timedelta(days=d, hours=start),
            MONDAY + timedelta(days=d + (1 if end <= start else 0), hours=end),
        )
        for d in days
    ]


TEAMS = [
    *(engine.Team(f"Polis {k}", "police", "car", shifts(range(7), 20, 3)) for k in (1, 2)),
    *(engine.Team(f"Väktare {k}", "guard", "car", shifts(range(1, 6), 19, 2)) for k in (1, 2)),
    *(engine.Team(f"Värdar {k}", "host", "foot", shifts(range(5), 13, 19)) for k in (1, 2, 3)),
    *(
        engine.Team(f"Nattvandrare {k}", "night_walkers", "foot", shifts([4, 5], 21, 1))
        for k in (1, 2)
    ),
    engine.Team("Fältgruppen", "field_team", "bike", shifts(range(4), 15, 21)),
]


def main(n_segments: int = 50_000, n_incidents: int = 100_000, places: int = 300) -> None:
    rng = np.random.default_rng(16)
    u, v, length, middles = network(n_segments, rng)
    frame = incidents(n_incidents, len(u), rng)
    print(
        f"Presence plan: {len(u):,} segments, {len(frame):,} incidents, {len(TEAMS)} teams, "
        f"top {places} places, seed 0"
    )
    clock = time.perf_counter()
    weights = frame["severity"] / 3.0 * 0.5 ** (frame["age_days"] / HALF_LIFE_DAYS)
    profile = time_profile(
        frame["start"], frame["end"], tz=ZONE, weights=weights, groups=frame["segment"]
    )
    hours = engine.hours_in_plan([w for team in TEAMS for w in team.windows], MONDAY)
    harm = engine.week_harm(profile.to_numpy(), MONDAY, hours)
    chosen = engine.top_places(harm, TEAMS, MONDAY, places)
    segment = profile.index.to_numpy().astype(np.int64)[chosen]
    timed = {"time profile, harm, top places": time.perf_counter() - clock}
    clock = time.perf_counter()
    distance = engine.network_distances(
        u, v, length, u[segment], v[segment], length[segment], middles[segment]
    )
    travel = {mode: engine.travel_minutes(distance, mode) for mode in engine.SPEED_KMH}
    timed["network distances, travel"] = time.perf_counter() - clock
    place_harm = harm[chosen]
    clock = time.perf_counter()
    plan = engine.plan_visits(place_harm, TEAMS, travel, origin=MONDAY, seed=0)
    timed["plan_visits"] = time.perf_counter() - clock
    clock = time.perf_counter()
    reference = engine.plain_greedy(place_harm, TEAMS, travel, origin=MONDAY, seed=0)
    timed["plain_greedy (reference)"] = time.perf_counter() - clock
    for step, seconds in timed.items():
        print(f"  {step:<34} {seconds:7.2f} s")
    ours, theirs = engine.harm_covered(plan, place_harm), engine.harm_covered(reference, place_harm)
    in_windows = float(place_harm.sum())
    for name, visits, covered in (("plan_visits", plan, ours), ("plain_greedy", reference, theirs)):
        count = sum(len(vs) for vs in visits.values())
        travel_total = sum(v.travel_minutes for vs in visits.values() for v in vs)
        print(
            f"  {name:<14} visits {count:5,}  travel {travel_total:8,.0f} min  "
            f"harm covered {covered:9.1f}"
        )
    print(f"  harm covered, ratio plan_visits / plain_greedy: {ours / theirs:.2f}")
    print(f"  harm of the top places over the whole plan: {in_windows:.1f}")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:4]))

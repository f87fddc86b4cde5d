"""Benchmark of the walk planner (``gis.priority.walk_route``).

Usage (from the project root)::

    .venv/bin/python bench/walk_plan.py                 # demo network + 50,000 synthetic segments
    .venv/bin/python bench/walk_plan.py --synthetic     # the synthetic network only
    .venv/bin/python bench/walk_plan.py 20000           # synthetic segments

A 90-minute walk at 4 km/h (4 minutes at each stop) through 40 candidate stops, planned on:

* the demo's street network (the Helsinki extract as loaded by ``trygg demo --no-serve``; the
  embedded ``trygg`` database, or ``TRYGG_DB_NAME``): the 40 most valuable candidates of the
  demo district with most of them (:mod:`gis.walkplan.candidates`), the walk starting at the
  first of them;
* the seeded street grid of the planners' benchmarks (``gis.drills.streets``): 50,000
  segments, blocks of 80-120 m; 40 stops with values 1-5 spread over 2 km x 2 km, the walk
  starting at its corner.

Timed: building the network (graph, spatial index), snapping and the shortest paths between the
stops, and the plan (selection and order). Reference in the same run, on the same stops:

* ``nearest_neighbour_order`` of the stops the plan chose (same stops, nearest-neighbour
  order): metres and minutes against the plan's;
* a nearest-neighbour walk within the same budget (from the start always on to the nearest stop
  while it fits): stops and value collected against the plan's.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import shapely

from gis.drills.streets import grid as street_grid
from gis.priority import walk_route as engine

MINUTES = 90.0
PACE_KMH = 4.0
STOPS = 40


def grid(segments: int, rng):
    """The seeded street grid of about ``segments`` segments (gis.drills.streets) as lines."""
    xy, u, v = street_grid(segments, rng)
    return shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))


def nearest_within_budget(pts, values, minutes: float) -> tuple[list[int], float]:
    """From the start (or the most valuable stop) on to the nearest stop while it fits."""
    per_metre = 60.0 / (PACE_KMH * 1000.0)
    left = list(range(pts.count))
    here = pts.count if pts.snaps[pts.count] is not None else int(np.argmax(values))
    order, used = [], 0.0
    if here != pts.count:
        order, used = [here], engine.STOP_MINUTES
        left.remove(here)
    while left:
        k = int(np.argmin(pts.distance[here, left]))
        step = pts.distance[here, left[k]] * per_metre + engine.STOP_MINUTES
        if used + step > MINUTES:
            break
        used += step
        here = left.pop(k)
        order.append(here)
    return order, float(np.sum(np.asarray(values)[order])) if order else 0.0


def run(name: str, lines, xy, values, start) -> None:
    t0 = time.perf_counter()
    u, v = engine.end_nodes(lines)
    net = engine.network(u, v, shapely.length(lines), lines)
    t1 = time.perf_counter()
    pts = engine.points(net, xy, start=start)
    t2 = time.perf_counter()
    route = engine.plan_route(pts, values, minutes=MINUTES, pace_kmh=PACE_KMH)
    t3 = time.perf_counter()
    nearest = engine.nearest_neighbour_order(pts, route.order)
    nn_length = engine.route_length(pts, nearest)
    per_metre = 60.0 / (PACE_KMH * 1000.0)
    nn_minutes = nn_length * per_metre + engine.STOP_MINUTES * len(nearest)
    greedy, greedy_value = nearest_within_budget(pts, values, MINUTES)
    greedy_length = engine.route_length(pts, greedy)
    print(f"{name}: {len(lines):,} segments, {pts.count} candidate stops, {MINUTES:g} min budget")
    print(f"  network (graph, index)          {t1 - t0:7.3f} s")
    print(f"  snap + shortest paths           {t2 - t1:7.3f} s")
    print(f"  plan_route                      {t3 - t2:7.3f} s")
    print(
        f"  plan            {len(route.order):3d} stops  {route.length_m:8,.0f} m  "
        f"{route.minutes:5.1f} min  value {route.value:6.2f}"
    )
    print(
        f"  same stops, NN  {len(nearest):3d} stops  {nn_length:8,.0f} m  "
        f"{nn_minutes:5.1f} min  (length NN / plan {nn_length / max(route.length_m, 1e-9):.3f})"
    )
    ratio = route.value / max(greedy_value, 1e-9)
    print(
        f"  NN in budget    {len(greedy):3d} stops  {greedy_length:8,.0f} m  "
        f"{'':9s}  value {greedy_value:6.2f}  (value plan / NN {ratio:.2f})"
    )
    coords = np.asarray(route.coordinates)
    off = shapely.distance(shapely.points(coords), shapely.MultiLineString(list(lines))).max()
    print(f"  route vertices off the segments: max {off:.1e} m\n")


def synthetic(segments: int) -> None:
    rng = np.random.default_rng(0)
    lines = grid(segments, rng)
    xy = rng.uniform(0, 2000, (STOPS, 2)) + 1000
    values = rng.uniform(1, 5, STOPS)
    run("Synthetic grid", lines, xy, values, (1000.0, 1000.0))


def demo() -> bool:
    from gis.notebook import setup

    database = setup()
    from django.db.models import Count
    from django.utils import timezone

    from gis import frames
    from gis.demo.load import demo_municipality
    from gis.walkplan.candidates import candidates
    from layers.models import District
    from walks.models import ResidentPin

    municipality = demo_municipality()
    if municipality is None:
        print(f"no demo in database {database}: run `trygg demo --no-serve` first\n")
        return False
    busiest = (
        ResidentPin.objects.filter(municipality=municipality, district__isnull=False)
        .values("district")
        .annotate(n=Count("pk"))
        .order_by("-n", "district")
        .first()
    )
    district = District.objects.get(pk=busiest["district"])
    found = candidates(municipality, district.geom, "evening", now=timezone.now())
    found = sorted(found, key=lambda c: (-c["value"], c["kind"], c["ref_id"] or 0))[:STOPS]
    segments = frames.segments(municipality, within=district.geom.buffer(300))
    xy = np.array([(c["geom"].x, c["geom"].y) for c in found])
    values = np.array([c["value"] for c in found])
    run(f"Demo network ({district.name})", segments.geometry.values, xy, values, tuple(xy[0]))
    return True


def main(argv: list[str]) -> None:
    numbers = [a for a in argv if a.isdigit()]
    segments = int(numbers[0]) if numbers else 50_000
    if "--synthetic" not in argv:
        demo()
    synthetic(segments)


if __name__ == "__main__":
    main(sys.argv[1:])

"""The walk route engine (gis.priority.walk_route) on small networks built here: the route runs
along the segments and through every stop, fits the budget, is the same every time, and orders
stops no worse than the nearest-neighbour reference."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gis.priority import walk_route as engine

SPACING = 100.0


def grid(n: int = 10):
    """An n × n street grid, 100 m blocks; half the segments drawn against their direction."""
    lines = []
    for i in range(n):
        for j in range(n - 1):
            lines.append(
                shapely.LineString([(j * SPACING, i * SPACING), ((j + 1) * SPACING, i * SPACING)])
            )
            lines.append(
                shapely.LineString([(i * SPACING, (j + 1) * SPACING), (i * SPACING, j * SPACING)])
            )
    u, v = engine.end_nodes(lines)
    return engine.network(u, v, [line.length for line in lines], lines), lines


def stops(count: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 900, (count, 2)), rng.uniform(1, 5, count)


def on_segments(coords, lines, tolerance: float = 1e-6) -> bool:
    network = shapely.MultiLineString(lines)
    return all(shapely.distance(shapely.Point(c), network) <= tolerance for c in coords)


def test_the_route_follows_the_streets_and_passes_every_stop():
    net, lines = grid()
    xy, values = stops(40)
    pts = engine.points(net, xy, start=(0, 0))
    route = engine.plan_route(pts, values, minutes=90)
    assert len(route.order) >= 5
    assert on_segments(route.coordinates, lines)
    line = shapely.LineString(route.coordinates)
    for index in route.order:
        snap = pts.snaps[index]
        assert line.distance(shapely.Point(snap.x, snap.y)) <= 1e-6
    assert line.length == pytest.approx(route.length_m, abs=1e-6)
    # the stops come in order along the line
    along = [line.project(shapely.Point(pts.snaps[i].x, pts.snaps[i].y)) for i in route.order]
    assert along == sorted(along)


def test_the_walk_fits_the_budget_counting_minutes_per_stop():
    net, _ = grid()
    xy, values = stops(40)
    pts = engine.points(net, xy)
    for minutes in (20, 45, 90):
        route = engine.plan_route(pts, values, minutes=minutes, pace_kmh=3.0)
        walking = route.length_m / 3000.0 * 60.0
        assert route.minutes == pytest.approx(walking + engine.STOP_MINUTES * len(route.order))
        assert route.minutes <= minutes + 1e-9
        assert not route.over_budget
    more = engine.plan_route(pts, values, minutes=90, pace_kmh=3.0)
    less = engine.plan_route(pts, values, minutes=20, pace_kmh=3.0)
    assert more.value > less.value


def test_the_same_inputs_give_the_same_route():
    net, _ = grid()
    xy, values = stops(30, seed=8)
    first = engine.plan_route(engine.points(net, xy, start=(450, 0)), values, minutes=60)
    second = engine.plan_route(engine.points(net, xy, start=(450, 0)), values, minutes=60)
    assert first == second


def test_a_stop_the_leader_added_is_visited_whatever_its_value():
    net, _ = grid()
    xy, values = stops(30)
    far = np.vstack([xy, [[900.0, 900.0]]])
    values = np.append(values, 1e-6)
    pts = engine.points(net, far, start=(0, 0))
    without = engine.plan_route(pts, values, minutes=30)
    assert 30 not in without.order
    route = engine.plan_route(pts, values, minutes=30, must=[30])
    assert 30 in route.order and route.over_budget  # 1.8 km alone take 27 + 4 minutes
    route = engine.plan_route(pts, values, minutes=40, must=[30])
    assert 30 in route.order and route.minutes <= 40 + 1e-9 and len(route.order) > 1


def test_an_end_point_closes_the_path():
    net, lines = grid()
    xy, values = stops(20)
    pts = engine.points(net, xy, start=(0, 0), end=(900, 900))
    route = engine.plan_route(pts, values, minutes=120)
    assert route.coordinates[0] == pytest.approx((0, 0))
    assert route.coordinates[-1] == pytest.approx((900, 900))
    assert len(route.legs_m) == len(route.order) + 1
    assert sum(route.legs_m) == pytest.approx(route.length_m)
    assert on_segments(route.coordinates, lines)


def test_the_order_is_no_longer_than_nearest_neighbour_on_a_zigzag():
    # One long street, the stops alternating on both sides of the start, each further out:
    # nearest-neighbour walks back and forth; walking one way and then the other is shorter.
    lines = [shapely.LineString([(x, 0.0), (x + 50.0, 0.0)]) for x in range(-1000, 1000, 50)]
    u, v = engine.end_nodes(lines)
    net = engine.network(u, v, [50.0] * len(lines), lines)
    xs = [10.0, -20.0, 40.0, -80.0, 160.0, -320.0, 640.0]
    pts = engine.points(net, [(x, 0.0) for x in xs], start=(0.0, 0.0))
    route = engine.plan_route(pts, np.ones(len(xs)), minutes=480)
    assert sorted(route.order) == list(range(len(xs)))
    nearest = engine.nearest_neighbour_order(pts, route.order)
    assert engine.route_length(pts, route.order) == pytest.approx(route.length_m)
    assert route.length_m < engine.route_length(pts, nearest) - 100
    assert route.length_m == pytest.approx(320 + 320 + 640)  # west to -320, then east to 640


def test_random_cases_are_never_longer_than_nearest_neighbour():
    net, _ = grid()
    for seed in range(5):
        xy, values = stops(25, seed=seed)
        pts = engine.points(net, xy, start=(0, 0))
        route = engine.plan_route(pts, values, minutes=480)
        nearest = engine.nearest_neighbour_order(pts, route.order)
        assert route.length_m <= engine.route_length(pts, nearest) + 1e-6


def test_without_a_start_the_walk_begins_at_a_stop():
    net, _ = grid()
    xy, values = stops(15)
    pts = engine.points(net, xy)
    route = engine.plan_route(pts, values, minutes=40)
    first = pts.snaps[route.order[0]]
    assert route.coordinates[0] == pytest.approx((first.x, first.y))
    assert route.arrival_m[0] == 0.0


def test_disconnected_parts_are_left_out():
    net, lines = grid(4)
    island = shapely.LineString([(5000, 5000), (5100, 5000)])
    lines = [*lines, island]
    u, v = engine.end_nodes(lines)
    net = engine.network(u, v, [line.length for line in lines], lines)
    snapped = engine.snap(net, [(5050, 5001)])[0]
    assert snapped.segment != len(lines) - 1 and snapped.distance_m > 4000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": 30, "pace_kmh": 0}, "pace_kmh"),
        ({"minutes": 30, "stop_minutes": -1}, "stop_minutes"),
    ],
)
def test_bad_parameters_are_named(kwargs, message):
    net, _ = grid(3)
    pts = engine.points(net, [(50, 0)])
    with pytest.raises(ValueError, match=message):
        engine.plan_route(pts, [1.0], **kwargs)


def test_the_plan_collects_at_least_a_nearest_neighbour_walk_in_the_budget():
    net, _ = grid()
    per_metre = 60.0 / (engine.PACE_KMH * 1000.0)
    for seed in range(4):
        xy, values = stops(40, seed=seed)
        pts = engine.points(net, xy, start=(0, 0))
        route = engine.plan_route(pts, values, minutes=60)
        # the reference: from the start on to the nearest stop while it fits
        here, left, used, collected = pts.count, list(range(40)), 0.0, 0.0
        while left:
            k = int(np.argmin(pts.distance[here, left]))
            step = pts.distance[here, left[k]] * per_metre + engine.STOP_MINUTES
            if used + step > 60:
                break
            used, here = used + step, left.pop(k)
            collected += values[here]
        assert route.value >= collected - 1e-9

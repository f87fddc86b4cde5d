"""The pure presence planner (gis.priority.presence) on constructed weeks with known answers:
each team at the place hot in its window, in the hot hours; visits of 10-15 minutes inside the
windows, never overlapping, travel respected, the revisit gap kept; seeds; the reference plan
and the shared measure."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from gis.priority.presence import (
    Team,
    harm_covered,
    hours_in_plan,
    network_distances,
    plain_greedy,
    plan_visits,
    top_places,
    travel_minutes,
    week_harm,
)

ZONE = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2026, 12, 7, tzinfo=ZONE)  # ISO week 2026-W50


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


def windows(days, start: int, end: int) -> list[tuple[datetime, datetime]]:
    """A shift from `start` to `end` o'clock on each of `days` (an end at or before the start
    passes midnight)."""
    return [(at(d, start), at(d, end) + timedelta(days=1 if end <= start else 0)) for d in days]


def two_places() -> np.ndarray:
    """Place 0 hot on Friday and Saturday nights 22-02, place 1 on weekday afternoons 14-17."""
    profile = np.zeros((2, 168))
    for day in (4, 5):  # Friday, Saturday
        for hour in (22, 23, 24, 25):  # 24, 25: 00 and 01 of the next day
            profile[0, (24 * day + hour) % 168] = 5.0
    for day in range(5):
        for hour in (14, 15, 16):
            profile[1, 24 * day + hour] = 3.0
    return profile


NIGHT = Team("Polisen", "police", "car", windows((4, 5), 20, 3))
AFTERNOON = Team("Värdarna", "host", "foot", windows(range(5), 13, 18))
TRAVEL = {"car": np.array([[0, 6.0], [6.0, 0]]), "foot": np.array([[0, 40.0], [40.0, 0]])}


def hot(place: int, visit) -> bool:
    profile = two_places()
    return any(profile[place, hour % 168] > 0 for hour in visit.hours)


def on_duty(team: Team) -> list[tuple[datetime, datetime]]:
    """The team's windows with those that overlap or touch joined (it is on duty throughout)."""
    joined: list[tuple[datetime, datetime]] = []
    for start, end in sorted(team.windows):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def check_capacity(plan, teams, travel, origin=MONDAY, revisit=120) -> None:
    """Every visit 10-15 minutes inside one window of its team, a team's visits apart by at
    least the travel between them, the same place begun at most every `revisit` minutes."""
    by_name = {team.name: team for team in teams}
    starts: dict[int, list[datetime]] = {}
    for name, visits in plan.items():
        team = by_name[name]
        for visit in visits:
            minutes = (visit.end - visit.start) / timedelta(minutes=1)
            assert 10 <= minutes <= 15
            assert any(a <= visit.start and visit.end <= b for a, b in on_duty(team))
            starts.setdefault(visit.place, []).append(visit.start)
        for before, after in itertools.pairwise(visits):
            assert after.start >= before.end
            same_window = any(a <= before.start and after.end <= b for a, b in on_duty(team))
            if same_window:
                gap = (after.start - before.end) / timedelta(minutes=1)
                assert gap >= travel[team.mode][before.place, after.place] - 1e-9
    for times in starts.values():
        times.sort()
        for a, b in itertools.pairwise(times):
            assert (b - a) >= timedelta(minutes=revisit)


def test_each_team_visits_the_place_hot_in_its_window_in_the_hot_hours():
    plan = plan_visits(two_places(), [NIGHT, AFTERNOON], TRAVEL, origin=MONDAY, seed=1)
    night, afternoon = plan["Polisen"], plan["Värdarna"]
    assert night and afternoon
    assert all(v.place == 0 and hot(0, v) for v in night)
    assert all(v.place == 1 and hot(1, v) for v in afternoon)
    # The night shift passes midnight: visits on Saturday and Sunday mornings too.
    assert {v.start.weekday() for v in night} == {4, 5, 6}
    assert all(v.start.hour in (21, 22, 23, 0, 1) for v in night)
    assert all(13 <= v.start.hour < 17 for v in afternoon)
    # About every two hours: two or three visits a night, three a weekday afternoon at most.
    per_night = [
        sum(1 for v in night if (v.start - timedelta(hours=12)).weekday() == d) for d in (4, 5)
    ]
    assert all(2 <= n <= 3 for n in per_night)
    check_capacity(plan, [NIGHT, AFTERNOON], TRAVEL)


def test_the_same_seed_gives_the_same_plan_and_other_seeds_reorder_ties():
    rng = np.random.default_rng(5)
    harm = np.tile(rng.integers(0, 3, size=(1, 168)).astype(float), (12, 1))  # 12 equal places
    travel = {"foot": np.full((12, 12), 3.0) - 3.0 * np.eye(12)}
    team = Team("A", "host", "foot", windows(range(7), 8, 20))

    def places(seed):
        return [v.place for v in plan_visits(harm, [team], travel, origin=MONDAY, seed=seed)["A"]]

    assert places(3) == places(3)
    assert len({tuple(places(seed)) for seed in range(6)}) > 1


@pytest.mark.parametrize("seed", range(25))
def test_capacity_is_never_exceeded_over_random_weeks(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    xy = rng.uniform(0, 3000, size=(n, 2))
    metres = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    travel = {mode: travel_minutes(metres, mode) for mode in ("foot", "bike", "car")}
    harm = rng.gamma(0.3, 2.0, size=(n, 168)) * (rng.random((n, 168)) < 0.3)
    teams = []
    for k in range(int(rng.integers(1, 5))):
        days = sorted(int(d) for d in rng.choice(7, size=int(rng.integers(1, 8)), replace=False))
        start = int(rng.integers(0, 24))
        teams.append(
            Team(
                f"T{k}",
                "guard",
                str(rng.choice(["foot", "bike", "car"])),
                windows(days, start, int(rng.integers(0, 24))),
            )
        )
    plan = plan_visits(harm, teams, travel, origin=MONDAY, seed=seed)
    check_capacity(plan, teams, travel)
    reference = plain_greedy(harm, teams, travel, origin=MONDAY, seed=seed)
    check_capacity(reference, teams, travel)


def test_plain_greedy_goes_round_by_weekly_harm_and_the_plan_covers_more():
    plan = plan_visits(two_places(), [NIGHT, AFTERNOON], TRAVEL, origin=MONDAY)
    reference = plain_greedy(two_places(), [NIGHT, AFTERNOON], TRAVEL, origin=MONDAY)
    # The reference visits whatever the hour: the night team also goes to the afternoon place.
    assert {v.place for v in reference["Polisen"]} == {0, 1}
    check_capacity(reference, [NIGHT, AFTERNOON], TRAVEL)
    harm = week_harm(two_places(), MONDAY, 192)
    assert harm_covered(plan, harm) > harm_covered(reference, harm) > 0


def test_harm_covered_counts_each_place_and_hour_once():
    harm = np.zeros((2, 192))
    harm[0, 22] = 4.0
    harm[1, 22] = 1.0
    plan = plain_greedy(
        harm,
        [Team("A", "guard", "foot", [(at(0, 22), at(0, 23))])],
        {"foot": np.zeros((2, 2))},
        origin=MONDAY,
        revisit_minutes=0,
    )
    assert harm_covered(plan, harm) == 5.0  # both places, once each, though visited again
    assert len(plan["A"]) > 2


def test_week_harm_applies_day_weights_and_repeats_the_week():
    profile = np.ones((1, 168))
    harm = week_harm(profile, MONDAY, 192, {MONDAY.date() + timedelta(days=4): 2.5})
    assert harm.shape == (1, 192)
    assert harm[0, 4 * 24 + 3] == 2.5 and harm[0, 3 * 24] == 1.0 and harm[0, 170] == 1.0
    with pytest.raises(ValueError, match="day_weights"):
        week_harm(profile, MONDAY, 192, {MONDAY.date(): -1.0})
    assert hours_in_plan(windows([6], 20, 3), MONDAY) == 171


def test_travel_by_mode_and_network_distances():
    assert travel_minutes(5000, "foot") == pytest.approx(60.0)
    assert travel_minutes(5000, "car") == pytest.approx(10.0 + 2.0)
    assert travel_minutes(0, "car") == 0.0
    with pytest.raises(ValueError, match="mode"):
        travel_minutes(1, "boat")
    # A path 0-1-2-3 of 100 m segments plus a separate segment 4-5; places: segments 0 and 2,
    # and the separate one (straight-line fallback).
    u, v = np.array([0, 1, 2, 4]), np.array([1, 2, 3, 5])
    length = np.array([100.0, 100.0, 100.0, 100.0])
    xy = np.array([[50.0, 0], [250.0, 0], [1000.0, 0]])
    d = network_distances(u, v, length, [0, 2, 4], [1, 3, 5], [100.0, 100.0, 100.0], xy)
    assert d[0, 1] == pytest.approx(200.0) and d[0, 0] == 0.0
    assert d[0, 2] == pytest.approx(1.5 * 950.0)


def test_top_places_are_those_hot_inside_the_windows():
    order = top_places(two_places(), [NIGHT], MONDAY, 5)
    assert list(order) == [0]
    assert list(top_places(two_places(), [NIGHT, AFTERNOON], MONDAY, 5)) == [1, 0]


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="names"):
        plan_visits(two_places(), [NIGHT, NIGHT], TRAVEL, origin=MONDAY)
    with pytest.raises(ValueError, match="travel for car"):
        plan_visits(two_places(), [NIGHT], {"car": np.zeros((3, 3))}, origin=MONDAY)
    with pytest.raises(ValueError, match="harm"):
        plan_visits(-two_places(), [NIGHT], TRAVEL, origin=MONDAY)

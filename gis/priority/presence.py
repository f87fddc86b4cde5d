"""Presence plans: which team stands where, when, for 10-15 minutes, during a week.

Hot-spot policing research gives the method (Koper 1995; Sherman & Weisburd 1995): short visits
of 10-15 minutes (the Koper curve) at the few places that hold most of the harm, irregular but
regular, about every two hours at the same place. This module is the pure engine: numpy
and scipy's shortest paths, no Django, so a notebook or the benchmark calls it with
arrays alone. ``gis.presence.planning`` feeds it from the database.

Time
----
Every time is counted in minutes on the local wall clock from ``origin``, the Monday 00:00 that
begins the planned week (an aware datetime). Hour ``k`` of the plan is minutes
``[60 k, 60 k + 60)``; the week's 168 hours come first and a window that passes midnight on
Sunday runs into the overflow hours after them.

Harm
----
``harm`` is a places × hours array: the expected harm at each place in each hour of the plan.
A places × 168 array (an hour-of-week profile, :func:`gis.analysis.timeprofile.time_profile`)
is repeated over the overflow hours; :func:`week_harm` applies per-day weights (the risk
calendar) to it.

The choice (:func:`plan_visits`)
--------------------------------
The teams are run together in time: the team that is free first chooses next. A team chooses
the place with the highest value per minute spent::

    value = (harm in the uncovered hour bins the visit overlaps
             + tail_weight * harm in the uncovered hour after it) / (travel + visit minutes)

The deterrence tail (``tail_weight = 0.5``) counts only for a visit that itself overlaps harm:
the effect of a visit lasts a while after the team has left (the "residual deterrence" of
Koper's curve), but a visit to an empty hour is never made for the sake of the next one. An
hour bin at a place counts once (the first visit covers it), so the teams spread over places
and hours. A place is visited again (by any team) at the earliest ``revisit_minutes`` (120)
after a visit began. A team with no place worth visiting waits ``wait_minutes`` (5) and looks
again. Candidates whose value lies within ``tie_tolerance`` (1 %) of the best are equally
good: one of them is drawn with ``numpy.random.default_rng(seed)``, as is each visit's length
(whole minutes in ``visit_minutes`` = 10-15), so the plan is irregular and yet reproducible.

Capacity
--------
Each visit lies wholly inside one window of its team; a team's visits never overlap and leave
the travel time between them. The first visit of a window starts where the team begins (no
travel).

Travel
------
Travel minutes between places come from the street network
(:func:`network_distances`, shortest paths over the segments) and the team's mode:
``distance / speed + parking`` (:data:`SPEED_KMH`: foot 5, bike 15, car 30 km/h;
:data:`PARKING_MINUTES`: foot 0, bike 1, car 2 minutes at each stop). Places the network does
not connect are ``detour`` (1.5) times their straight-line distance apart.

The reference (:func:`plain_greedy`) and the measure (:func:`harm_covered`)
------------------------------------------------------------------------------
``plain_greedy`` is what a plan without the time profile does: every team goes round the places
in order of their total weekly harm, whatever the hour, with the same visit lengths, travel
times, windows and revisit gap. ``harm_covered`` scores both the same way: the harm in the hour
bins each visit overlaps at its place, each (place, hour) counted once.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
dijkstra = lazy_attribute("scipy.sparse.csgraph", "dijkstra")
sp = lazy_module("scipy.sparse")

HOURS_OF_WEEK = 168
#: A visit lasts 10-15 minutes (the Koper curve), both ends included.
VISIT_MINUTES = (10, 15)
#: Travel speed of each mode on the street network, km/h.
SPEED_KMH: dict[str, float] = {"foot": 5.0, "bike": 15.0, "car": 30.0}
#: Minutes lost at each stop (parking the car, locking the bike).
PARKING_MINUTES: dict[str, float] = {"foot": 0.0, "bike": 1.0, "car": 2.0}
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Team:
    """One team: its name, actor, mode (foot, bike, car) and windows (aware local datetimes,
    start before end)."""

    name: str
    actor: str
    mode: str
    windows: Sequence[tuple[datetime, datetime]]


@dataclass(frozen=True)
class Visit:
    """One planned visit: the team, the place (index into the places), when, the harm it
    covers (its marginal value when chosen) and the plan hours it overlaps."""

    team: str
    place: int
    start: datetime
    end: datetime
    harm: float
    hours: tuple[int, ...]
    travel_minutes: float = 0.0


@dataclass
class _State:
    """A team on its way through its windows."""

    team: Team
    windows: list[tuple[int, int]]
    index: int = 0
    now: int = 0
    at: int | None = None
    visits: list[Visit] = field(default_factory=list)


def hours_in_plan(windows: Sequence[tuple[datetime, datetime]], origin: datetime) -> int:
    """The number of plan hours needed to hold every window (at least the week's 168)."""
    last = max((minute_of(end, origin) for _start, end in windows), default=0)
    return max(HOURS_OF_WEEK, -(-last // 60))


def week_harm(
    profile,
    origin: datetime,
    hours: int,
    day_weights: Mapping[date, float] | None = None,
):
    """A places × 168 hour-of-week profile laid over the plan's ``hours`` from ``origin`` (a
    Monday 00:00), each hour multiplied by the weight of its local day (1 where
    ``day_weights`` has none)."""
    values = np.asarray(profile, dtype=float)
    if values.ndim != 2 or values.shape[1] != HOURS_OF_WEEK:
        raise ValueError(f"profile must be places x {HOURS_OF_WEEK}, got shape {values.shape}")
    columns = np.arange(hours) % HOURS_OF_WEEK
    result = values[:, columns]
    if day_weights:
        first = origin.date()
        factor = np.array(
            [float(day_weights.get(first + timedelta(days=k // 24), 1.0)) for k in range(hours)]
        )
        if not np.all(np.isfinite(factor)) or np.any(factor < 0):
            raise ValueError("day_weights must be finite and not negative")
        result = result * factor[None, :]
    return result


def travel_minutes(distance_m, mode: str, *, speeds=None, parking=None):
    """Minutes from place to place for ``mode``: ``distance / speed + parking`` (0 for the same
    place). ``speeds`` (km/h) and ``parking`` (minutes) default to :data:`SPEED_KMH` and
    :data:`PARKING_MINUTES`."""
    speeds = SPEED_KMH if speeds is None else speeds
    parking = PARKING_MINUTES if parking is None else parking
    if mode not in speeds:
        raise ValueError(f"mode must be one of {', '.join(speeds)}, got {mode!r}")
    distance = np.asarray(distance_m, dtype=float)
    minutes = distance / (speeds[mode] * 1000.0 / 60.0) + parking.get(mode, 0.0)
    return np.where(distance > 0, minutes, 0.0)


def network_distances(u, v, length_m, place_u, place_v, place_length_m, xy=None, *, detour=1.5):
    """Metres between places over the street network: a places × places array.

    ``u``, ``v`` are the integer node ids of each segment's ends (``gis.priority.footfall
    .node_ids``), ``length_m`` its length; a place is a segment (its ends ``place_u``,
    ``place_v`` and length) reached at its middle. Places the network does not connect are
    ``detour`` times their straight-line distance apart (``xy``: places × 2 metres), or
    infinitely far without ``xy``.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    length = np.asarray(length_m, dtype=float)
    pu = np.asarray(place_u, dtype=np.int64)
    pv = np.asarray(place_v, dtype=np.int64)
    half = np.asarray(place_length_m, dtype=float) / 2.0
    k = len(pu)
    if k == 0:
        return np.zeros((0, 0))
    nodes = int(max(u.max(initial=-1), v.max(initial=-1), pu.max(), pv.max())) + 1
    # Parallel segments: the shortest one counts (a sparse matrix would sum them).
    graph = _minimum_duplicates(u, v, length, nodes)
    sources = np.unique(np.concatenate([pu, pv]))
    dist = dijkstra(graph, directed=False, indices=sources)
    row = {node: i for i, node in enumerate(sources)}
    ends = [np.array([row[n] for n in pu]), np.array([row[n] for n in pv])]
    best = np.full((k, k), np.inf)
    for a in ends:
        for b in (pu, pv):
            best = np.minimum(best, dist[a][:, b])
    result = best + half[:, None] + half[None, :]
    np.fill_diagonal(result, 0.0)
    if xy is not None:
        points = np.asarray(xy, dtype=float)
        straight = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
        result = np.where(np.isfinite(result), result, detour * straight)
    return result


def _minimum_duplicates(u, v, length, nodes):
    """The network as a symmetric CSR matrix of segment lengths, self-loops left out."""
    a = np.minimum(u, v)
    b = np.maximum(u, v)
    order = np.lexsort((length, b, a))
    a, b, length = a[order], b[order], length[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    keep = first & (a != b)
    a, b, length = a[keep], b[keep], np.maximum(length[keep], 1e-6)
    return sp.coo_matrix(
        (np.concatenate([length, length]), (np.concatenate([a, b]), np.concatenate([b, a]))),
        shape=(nodes, nodes),
    ).tocsr()


def top_places(harm, teams: Sequence[Team], origin: datetime, count: int):
    """Indices of the ``count`` places with the most harm inside the teams' windows, most
    first (places without any harm there are left out)."""
    values = np.asarray(harm, dtype=float)
    mask = np.zeros(values.shape[1], dtype=bool)
    for team in teams:
        for start, end in team.windows:
            first, last = minute_of(start, origin) // 60, -(-minute_of(end, origin) // 60)
            mask[max(first, 0) : max(min(last, values.shape[1]), 0)] = True
    total = values[:, mask].sum(axis=1)
    order = np.argsort(-total, kind="stable")
    return order[: int(count)][total[order[: int(count)]] > 0]


def plan_visits(
    harm,
    teams: Sequence[Team],
    travel: Mapping[str, object] | Callable[[str], object],
    *,
    origin: datetime,
    seed: int = 0,
    revisit_minutes: int = 120,
    visit_minutes: tuple[int, int] = VISIT_MINUTES,
    tail_weight: float = 0.5,
    wait_minutes: int = 5,
    tie_tolerance: float = 0.01,
) -> dict[str, list[Visit]]:
    """The visits of each team (by name, in time order), chosen greedily by harm per minute.

    Parameters
    ----------
    harm : array (places × hours)
        Expected harm at each place in each hour of the plan from ``origin``; a places × 168
        profile is repeated over overflow hours.
    teams : sequence of Team
        Names must differ.
    travel : mapping mode -> places × places minutes, or a function of the mode
        Travel minutes from place to place (:func:`travel_minutes`).
    origin : datetime
        The Monday 00:00 (aware, local) that hour 0 begins.
    seed : int
        Seed of the draws (visit lengths, ties between equally good places).
    revisit_minutes, visit_minutes, tail_weight, wait_minutes, tie_tolerance
        See the module's description.
    """
    values = _plan_harm(harm, teams, origin)
    places, hours = values.shape
    # Two more columns of zeros so the tail of the last hour reads nothing.
    padded = np.concatenate([values, np.zeros((places, 2))], axis=1)
    covered = np.zeros_like(padded, dtype=bool)
    index = np.arange(places)

    def choose(state: _State, length: int, moves, starts, rng) -> int | None:
        reachable = np.isfinite(moves)
        begin = state.now + np.where(reachable, moves, 0.0)
        finish = begin + length
        inside = reachable & (finish <= state.windows[state.index][1])
        first = np.minimum(begin // 60, hours - 1).astype(np.int64)
        last = np.minimum((finish - 1) // 60, hours - 1).astype(np.int64)
        own = padded[index, first] * ~covered[index, first] + np.where(
            last != first, padded[index, last] * ~covered[index, last], 0.0
        )
        tail = padded[index, last + 1] * ~covered[index, last + 1]
        value = np.where(own > 0, own + tail_weight * tail, 0.0) / (moves + length)
        value[~inside] = 0.0
        choice = _draw(value, begin, starts, revisit_minutes, tie_tolerance, rng)
        if choice is not None:
            covered[choice, first[choice] : last[choice] + 1] = True
        return choice

    gaps = (visit_minutes, revisit_minutes, wait_minutes)
    return _run(values, teams, travel, choose, origin, seed, gaps)


def plain_greedy(
    harm,
    teams: Sequence[Team],
    travel: Mapping[str, object] | Callable[[str], object],
    *,
    origin: datetime,
    seed: int = 0,
    revisit_minutes: int = 120,
    visit_minutes: tuple[int, int] = VISIT_MINUTES,
    wait_minutes: int = 5,
) -> dict[str, list[Visit]]:
    """The reference plan: the teams go round the places in order of total weekly harm,
    whatever the hour (the next place in the round that the revisit gap and the window allow),
    with the same visit lengths, travel, windows and gap as :func:`plan_visits`."""
    values = _plan_harm(harm, teams, origin)
    ranking = np.argsort(-values.sum(axis=1), kind="stable")
    ranking = ranking[values[ranking].sum(axis=1) > 0]
    pointer = [0]

    def choose(state: _State, length: int, moves, starts, rng) -> int | None:
        for step in range(len(ranking)):
            place = int(ranking[(pointer[0] + step) % len(ranking)])
            begin = state.now + moves[place]
            if (
                np.isfinite(moves[place])
                and begin + length <= state.windows[state.index][1]
                and _free(starts[place], begin, revisit_minutes)
            ):
                pointer[0] = (pointer[0] + step + 1) % len(ranking)
                return place
        return None

    gaps = (visit_minutes, revisit_minutes, wait_minutes)
    return _run(values, teams, travel, choose, origin, seed, gaps)


def harm_covered(visits: Mapping[str, Sequence[Visit]] | Sequence[Visit], harm) -> float:
    """The harm in the hour bins the visits overlap at their places, each (place, hour) once."""
    values = np.asarray(harm, dtype=float)
    flat = visits.values() if isinstance(visits, Mapping) else [visits]
    seen = {
        (visit.place, hour)
        for group in flat
        for visit in group
        for hour in visit.hours
        if hour < values.shape[1]
    }
    return float(sum(values[place, hour] for place, hour in seen))


# --- the parts ---------------------------------------------------------------------------------


def _run(values, teams, travel, choose, origin, seed, gaps) -> dict[str, list[Visit]]:
    """The teams through their windows in time order: the team free first draws the length of
    its next visit and `choose`s a place (or waits), until every window is spent. `gaps`:
    visit_minutes, revisit_minutes, wait_minutes."""
    visit_minutes, revisit_minutes, wait_minutes = gaps
    _check(teams, revisit_minutes, visit_minutes, wait_minutes)
    rng = np.random.default_rng(seed)
    places, hours = values.shape
    matrices = {team.mode: _travel_matrix(travel, team.mode, places) for team in teams}
    starts: list[list[int]] = [[] for _ in range(places)]
    states, queue = _start(teams, origin)
    while queue:
        _now, order = heapq.heappop(queue)
        state = states[order]
        length = int(rng.integers(visit_minutes[0], visit_minutes[1] + 1))
        moves = (
            np.zeros(places)
            if state.at is None
            else np.maximum(np.ceil(matrices[state.team.mode][state.at] - 1e-9), 0.0)
        )
        choice = choose(state, length, moves, starts, rng) if places else None
        if choice is None:
            state.now += wait_minutes
        else:
            begin = int(state.now + moves[choice])
            hours_of = tuple(range(begin // 60, (begin + length - 1) // 60 + 1))
            insort(starts[choice], begin)
            state.visits.append(
                Visit(
                    team=state.team.name,
                    place=int(choice),
                    start=_moment(begin, origin),
                    end=_moment(begin + length, origin),
                    harm=float(sum(values[choice, h] for h in hours_of if h < hours)),
                    hours=hours_of,
                    travel_minutes=float(moves[choice]),
                )
            )
            state.now = begin + length
            state.at = int(choice)
        _requeue(state, order, queue, min(visit_minutes))
    return {state.team.name: state.visits for state in states}


def minute_of(moment: datetime, origin: datetime) -> int:
    """Wall-clock minutes from ``origin`` to ``moment`` (both read on ``origin``'s zone): the
    plan's clock."""
    local = moment.astimezone(origin.tzinfo).replace(tzinfo=None)
    return int((local - origin.replace(tzinfo=None)) // _MINUTE)


def _moment(minute: int, origin: datetime) -> datetime:
    return (origin.replace(tzinfo=None) + minute * _MINUTE).replace(tzinfo=origin.tzinfo)


def _plan_harm(harm, teams: Sequence[Team], origin: datetime):
    values = np.asarray(harm, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"harm must be places x hours, got shape {values.shape}")
    windows = [w for team in teams for w in team.windows]
    if any(minute_of(start, origin) < 0 for start, _end in windows):
        raise ValueError("every window must begin at or after the plan's origin")
    needed = hours_in_plan(windows, origin)
    if values.shape[1] == HOURS_OF_WEEK and needed > HOURS_OF_WEEK:
        values = week_harm(values, origin, needed)
    if values.shape[1] < needed:
        raise ValueError(f"harm must cover {needed} hours of the plan, got {values.shape[1]}")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("harm must be finite and not negative")
    return values


def _check(teams, revisit_minutes, visit_minutes, wait_minutes) -> None:
    names = [team.name for team in teams]
    if len(set(names)) != len(names):
        raise ValueError("teams must have different names")
    low, high = visit_minutes
    if not 1 <= low <= high:
        raise ValueError(
            f"visit_minutes must be (low, high) with 1 <= low <= high, got {visit_minutes}"
        )
    if revisit_minutes < 0 or wait_minutes < 1:
        raise ValueError("revisit_minutes must be >= 0 and wait_minutes >= 1")
    for team in teams:
        for start, end in team.windows:
            if not end > start:
                raise ValueError(f"team {team.name!r}: a window must end after it starts")


def _travel_matrix(travel, mode: str, places: int):
    matrix = travel(mode) if callable(travel) else travel[mode]
    matrix = np.asarray(matrix, dtype=float)
    if matrix.shape != (places, places):
        raise ValueError(f"travel for {mode} must be {places} x {places}, got {matrix.shape}")
    return matrix


def _start(teams: Sequence[Team], origin: datetime):
    states = []
    queue: list[tuple[int, int]] = []
    for order, team in enumerate(teams):
        windows = sorted((minute_of(a, origin), minute_of(b, origin)) for a, b in team.windows)
        merged: list[tuple[int, int]] = []
        for start, end in windows:  # overlapping windows of one team are one window
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        state = _State(team=team, windows=merged)
        states.append(state)
        if merged:
            state.now = merged[0][0]
            heapq.heappush(queue, (state.now, order))
    return states, queue


def _requeue(state: _State, order: int, queue: list, shortest: int) -> None:
    """Back in the queue at its time, or in its next window when this one has no room left."""
    while state.index < len(state.windows) and state.now + shortest > state.windows[state.index][1]:
        state.index += 1
        if state.index < len(state.windows):
            state.now = state.windows[state.index][0]
            state.at = None
    if state.index < len(state.windows):
        heapq.heappush(queue, (state.now, order))


def _free(starts: list[int], begin: float, gap: int) -> bool:
    """Whether no visit to the place began less than ``gap`` minutes before or after."""
    i = bisect_left(starts, begin - gap + 1e-9)
    return i == len(starts) or starts[i] > begin + gap - 1e-9 or gap == 0


def _draw(value, begin, starts, gap: int, tolerance: float, rng) -> int | None:
    """The best place the revisit gap allows, drawn among those within ``tolerance``."""
    order = np.argsort(-value, kind="stable")
    best = None
    tied: list[int] = []
    for place in order:
        v = value[place]
        if v <= 0 or (best is not None and v < best * (1 - tolerance)):
            break
        if not _free(starts[place], float(begin[place]), gap):
            continue
        if best is None:
            best = v
        tied.append(int(place))
    if not tied:
        return None
    return tied[int(rng.integers(len(tied)))] if len(tied) > 1 else tied[0]

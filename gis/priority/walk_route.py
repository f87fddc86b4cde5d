"""Walk routes: which stops a safety walk visits, in which order, along the streets.

This is the pure engine of the walk planner (numpy, scipy's shortest paths and shapely; no
Django), so a notebook or the benchmark calls it with arrays alone. ``gis.walkplan.planning``
feeds it from the database.

The problem
-----------
Candidate stops have a value (how much a walk learns there). A walk has a time budget: its
walking time along the street network at the walk's pace plus :data:`STOP_MINUTES` at each
stop. The planner picks the stops and their order so that the collected value is as high as
possible within the budget: the *orienteering problem*, NP-hard, so a heuristic:

1. **Network distances.** Every stop, the start and the end are snapped to the nearest segment
   of the network's largest connected part (a position along that segment). Shortest paths
   (scipy's Dijkstra) run from the ends of those segments only, which gives the metres between
   every pair of points.
2. **Greedy insertion.** Stops the leader added (``must``) are inserted first, each where it
   lengthens the path least. Then, repeatedly, the stop with the highest *value per added
   minute* (its cheapest insertion position in the open path: extra walking plus its stop
   minutes) that still fits is inserted there.
3. **Improvement.** 2-opt (reverse the stretch whose reversal shortens the path most) and
   or-opt (move a chain of one to three stops elsewhere, either way round) shorten the path; a
   nearest-neighbour order of the same stops, improved the same way, replaces it when shorter.
   A visited stop is swapped for a more valuable one left out where that fits. The time saved
   goes to a further insertion pass. Steps 2-3 repeat until nothing changes.
4. **Starts.** Steps 2-3 run from several starting paths: the leader's stops alone and a
   nearest-neighbour walk within the budget; without a start, each with one of the
   :data:`SEEDS` most valuable stops first; each with the insertion ratios of :data:`ALPHAS`
   (value per minute, and per square root of the minute). The plan with most value, then the
   shortest, is kept; so it never collects less than the nearest-neighbour walk.

Everything is deterministic: ties go to the lower candidate index (the caller orders the
candidates, e.g. by kind and id), and no random numbers are drawn.

The route
---------
:func:`route_coordinates` joins the legs' shortest paths: the part of the first segment from
the snapped point to its end, whole segments (each turned to run the walking direction), and
the part of the last segment up to the next snapped point, so every vertex of the route lies on
a segment and the route passes every stop's snapped point.

The reference
-------------
:func:`nearest_neighbour_order` orders the same stops by always walking to the nearest one not
yet visited; :func:`route_length` gives the metres of any order, so the benchmark compares the
two on the same stops.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
sp = lazy_module("scipy.sparse")
csgraph = lazy_module("scipy.sparse.csgraph")  # dijkstra, connected_components
shapely = lazy_module("shapely")
substring = lazy_attribute("shapely.ops", "substring")

#: Minutes spent at each stop (looking, talking, noting).
STOP_MINUTES = 4.0
#: Walking pace of a safety walk (km/h); an accessible walk goes slower.
PACE_KMH = 4.0
#: Without a start, the planner tries this many of the most valuable stops as the first one.
SEEDS = 3
#: Exponents of the added minutes in the insertion ratio value / minutes ** alpha: each
#: gives a plan, the most valuable is kept (1 favours cheap stops, 0.5 valuable ones).
ALPHAS = (1.0, 0.5)
#: Rounds of improvement and re-insertion at most.
ROUNDS = 20
_EPS = 1e-9


@dataclass(frozen=True)
class Network:
    """A street network: segment ends ``u``, ``v`` (integer node ids), lengths in metres and
    LineString geometries in a metric CRS. Build it with :func:`network`."""

    u: object
    v: object
    length_m: object
    geometries: object
    graph: object = field(repr=False)
    edge: dict = field(repr=False)
    main: object = field(repr=False)  # segment indices of the largest connected part
    tree: object = field(repr=False)


def network(u, v, length_m, geometries) -> Network:
    """The network of segments ``i`` from node ``u[i]`` to node ``v[i]`` (``length_m[i]``
    metres, ``geometries[i]`` a LineString whose ends are those nodes)."""
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    length = np.maximum(np.asarray(length_m, dtype=float), 1e-6)
    geometries = np.asarray(geometries, dtype=object)
    if not (len(u) == len(v) == len(length) == len(geometries)):
        raise ValueError("u, v, length_m and geometries must have the same length")
    if len(u) == 0:
        raise ValueError("the street network is empty")
    nodes = int(max(u.max(), v.max())) + 1
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((np.arange(len(u)), length, b, a))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (a[order][1:] != a[order][:-1]) | (b[order][1:] != b[order][:-1])
    keep = order[first & (a[order] != b[order])]
    edge = {(int(a[i]), int(b[i])): int(i) for i in keep}
    graph = sp.coo_matrix(
        (
            np.concatenate([length[keep], length[keep]]),
            (np.concatenate([a[keep], b[keep]]), np.concatenate([b[keep], a[keep]])),
        ),
        shape=(nodes, nodes),
    ).tocsr()
    _, labels = csgraph.connected_components(graph, directed=False)
    counts = np.bincount(labels[u])
    largest = int(np.argmax(counts))  # ties: the lower label
    main = np.flatnonzero(labels[u] == largest)
    tree = shapely.STRtree(geometries[main])
    return Network(u, v, length, geometries, graph, edge, main, tree)


@dataclass(frozen=True)
class Snap:
    """A point placed on the network: segment index, fraction along its geometry (0 at its
    ``u`` end), the snapped point and how far the point was from it (metres)."""

    segment: int
    fraction: float
    x: float
    y: float
    distance_m: float


def snap(net: Network, xy) -> list[Snap]:
    """Each point (``n × 2`` metric coordinates) on its nearest segment of the network's
    largest connected part (ties: the lower segment index)."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) == 0:
        return []
    points = shapely.points(xy)
    (src, dst), dist = net.tree.query_nearest(points, return_distance=True, all_matches=True)
    best: dict[int, tuple[int, float]] = {}
    for s, d, m in zip(src.tolist(), dist.tolist(), net.main[dst].tolist(), strict=True):
        if s not in best or (d, m) < (best[s][1], best[s][0]):
            best[s] = (m, d)
    result = []
    for k in range(len(xy)):
        segment, distance = best[k]
        line = net.geometries[segment]
        total = line.length
        along = line.project(points[k]) if total > 0 else 0.0
        on = line.interpolate(along)
        fraction = along / total if total > 0 else 0.0
        result.append(Snap(segment, float(fraction), on.x, on.y, float(distance)))
    return result


@dataclass(frozen=True)
class Points:
    """Stops, start and end snapped to the network, with the metres between every pair.

    Rows ``0..n-1`` of ``distance`` are the stops, row ``n`` the start and ``n + 1`` the end;
    an absent start or end is 0 m from everything (so the open path begins or ends at a stop).
    """

    net: Network
    snaps: tuple  # n stops, then the start and the end (None when absent)
    distance: object  # (n + 2) × (n + 2) metres
    sources: dict = field(repr=False)  # node id -> row of dist/pred
    dist: object = field(repr=False)
    pred: object = field(repr=False)

    @property
    def count(self) -> int:
        return len(self.snaps) - 2


def points(net: Network, stops_xy, *, start=None, end=None) -> Points:
    """Snap the stops (``n × 2``), the start and the end (``(x, y)`` or None) and compute the
    network metres between them."""
    stops = snap(net, stops_xy)
    ends = [snap(net, [p])[0] if p is not None else None for p in (start, end)]
    snaps = (*stops, *ends)
    present = [s for s in snaps if s is not None]
    nodes = sorted({int(n) for s in present for n in (net.u[s.segment], net.v[s.segment])})
    if nodes:
        dist, pred = csgraph.dijkstra(
            net.graph, directed=False, indices=nodes, return_predecessors=True
        )
    else:
        dist = pred = np.zeros((0, net.graph.shape[0]))
    sources = {node: row for row, node in enumerate(nodes)}
    k = len(snaps)
    matrix = np.zeros((k, k))
    for i, a in enumerate(snaps):
        for j in range(i + 1, k):
            b = snaps[j]
            if a is None or b is None:
                continue
            metres = _leg(net, sources, dist, a, b)[0]
            matrix[i, j] = matrix[j, i] = metres
    return Points(net, snaps, matrix, sources, dist, pred)


def _ends(net: Network, s: Snap) -> tuple[tuple[int, float], tuple[int, float]]:
    """The two ends of a snap's segment with the metres to each."""
    length = net.length_m[s.segment]
    return (
        (int(net.u[s.segment]), s.fraction * length),
        (int(net.v[s.segment]), (1.0 - s.fraction) * length),
    )


def _leg(net: Network, sources, dist, a: Snap, b: Snap):
    """The shortest way from snap ``a`` to snap ``b``: (metres, end node left from, end node
    arrived at), the nodes None when the way stays on one segment."""
    best = (np.inf, None, None)
    if a.segment == b.segment:
        best = (abs(a.fraction - b.fraction) * net.length_m[a.segment], None, None)
    for na, da in _ends(net, a):
        row = dist[sources[na]]
        for nb, db in _ends(net, b):
            metres = da + row[nb] + db
            if metres < best[0] - _EPS:
                best = (float(metres), na, nb)
    return best


def route_length(pts: Points, order: Sequence[int]) -> float:
    """Metres of the open path through the stops ``order`` (indices into the stops), from the
    start and to the end when there are ones."""
    path = [pts.count, *order, pts.count + 1]
    return float(sum(pts.distance[a, b] for a, b in itertools.pairwise(path)))


def nearest_neighbour_order(pts: Points, stops: Sequence[int] | None = None) -> list[int]:
    """The stops (default all) in nearest-neighbour order: from the start (or from the first of
    ``stops`` without one) always on to the nearest stop not yet visited (ties: lower index)."""
    left = sorted(range(pts.count) if stops is None else stops)
    if not left:
        return []
    here = pts.count if pts.snaps[pts.count] is not None else left.pop(0)
    order = [] if here == pts.count else [here]
    while left:
        row = pts.distance[here, left]
        here = left.pop(int(np.argmin(row)))
        order.append(here)
    return order


@dataclass(frozen=True)
class Route:
    """A planned walk: the stops' indices in walking order, the metres of each leg (from the
    start or the first stop, and to the end when there is one), the metres from the start to
    each stop, the total metres and minutes (walking and stops), and the route's coordinates
    (metric, every vertex on a segment)."""

    order: tuple[int, ...]
    legs_m: tuple[float, ...]
    arrival_m: tuple[float, ...]
    length_m: float
    walk_minutes: float
    stop_minutes: float
    minutes: float
    value: float
    coordinates: tuple[tuple[float, float], ...]
    over_budget: bool


def plan_route(
    pts: Points,
    values,
    *,
    minutes: float,
    pace_kmh: float = PACE_KMH,
    stop_minutes: float = STOP_MINUTES,
    must: Sequence[int] = (),
) -> Route:
    """The stops to visit and their order within ``minutes`` (see the module's description).

    ``values`` holds one value (> 0) per stop; ``must`` the stops that are always visited (the
    leader's own), even when they alone take longer than the budget (``over_budget`` then)."""
    values = np.asarray(values, dtype=float)
    if len(values) != pts.count:
        raise ValueError("values must have one value per stop")
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    if pace_kmh <= 0:
        raise ValueError("pace_kmh must be positive")
    if stop_minutes < 0:
        raise ValueError("stop_minutes must not be negative")
    per_metre = 60.0 / (pace_kmh * 1000.0)
    has_start = pts.snaps[pts.count] is not None
    state = _Planner(pts.distance, values, minutes, per_metre, stop_minutes, pts.count, has_start)
    must = sorted(set(int(m) for m in must))
    if has_start or must or pts.count == 0:
        seeds = [None]
    else:
        ranked = sorted(range(pts.count), key=lambda i: (-values[i], i))
        seeds = [i for i in ranked if state.fits_alone(i)][:SEEDS] or [None]
    best = None
    for seed in seeds:
        for start in (state.seeded(must, seed), state.nearest_in_budget(must, seed)):
            for alpha in ALPHAS:
                path = state.solve(list(start), must, alpha)
                key = (-round(float(values[path].sum()), 9), round(state.length(path), 6), path)
                if best is None or key < best[0]:
                    best = (key, path)
    order = best[1]
    return _route(pts, order, values, minutes, per_metre, stop_minutes)


def _route(pts: Points, order, values, minutes, per_metre, stop_minutes) -> Route:
    path = [pts.count, *order, pts.count + 1]
    legs = [float(pts.distance[a, b]) for a, b in itertools.pairwise(path)]
    if pts.snaps[pts.count + 1] is None:
        legs = legs[:-1]
    if pts.snaps[pts.count] is None and legs:
        legs = legs[1:]
    length = float(sum(legs))
    arrival, metres = [], 0.0
    offset = 0 if pts.snaps[pts.count] is not None else -1
    for k in range(len(order)):
        if k + offset >= 0:
            metres += legs[k + offset]
        arrival.append(metres)
    walk = length * per_metre
    stops = stop_minutes * len(order)
    return Route(
        order=tuple(int(i) for i in order),
        legs_m=tuple(legs),
        arrival_m=tuple(arrival),
        length_m=length,
        walk_minutes=walk,
        stop_minutes=stops,
        minutes=walk + stops,
        value=float(values[list(order)].sum()) if len(order) else 0.0,
        coordinates=tuple(route_coordinates(pts, order)),
        over_budget=walk + stops > minutes + 1e-6,
    )


@dataclass
class _Planner:
    """Greedy insertion with 2-opt and or-opt over a distance matrix ``d`` whose last two rows
    are the start and the end (0 m from everything when absent); ``n`` stops, ``budget``
    minutes, ``stop`` minutes at each stop."""

    d: object
    values: object
    budget: float
    per_metre: float
    stop: float
    n: int
    has_start: bool

    @property
    def start(self) -> int:
        return self.n

    @property
    def end(self) -> int:
        return self.n + 1

    def length(self, path) -> float:
        full = [self.start, *path, self.end]
        return float(self.d[full[:-1], full[1:]].sum())

    def minutes(self, path) -> float:
        return self.length(path) * self.per_metre + self.stop * len(path)

    def fits_alone(self, i: int) -> bool:
        return self.minutes([i]) <= self.budget + 1e-9

    def seeded(self, must, seed) -> list[int]:
        """The leader's stops, each where it lengthens the path least, and the seed."""
        path: list[int] = []
        for m in must:
            self._insert(path, m)
        if seed is not None and seed not in path:
            path.append(seed)
        return path

    def nearest_in_budget(self, must, seed) -> list[int]:
        """:meth:`seeded`, then on from its last stop to the nearest stop while it fits."""
        path = self.seeded(must, seed)
        left = sorted(set(range(self.n)) - set(path))
        here = path[-1] if path else self.start
        while left:
            k = int(np.argmin(self.d[here, left]))
            trial = [*path, left[k]]
            if self.minutes(trial) > self.budget + 1e-9:
                break
            path = trial
            here = left.pop(k)
        return path

    def solve(self, path: list[int], must, alpha: float) -> list[int]:
        """Improve ``path``: insert, reorder, swap and insert again until nothing changes."""
        keep = frozenset(must)
        for _ in range(ROUNDS):
            before = list(path)
            self._greedy(path, alpha)
            path[:] = self._reorder(path)
            if self._swaps(path, keep):
                path[:] = self._reorder(path)
            self._greedy(path, alpha)
            if path == before:
                break
        return path

    def _swaps(self, path: list[int], keep) -> bool:
        """Swap stops (:meth:`_swap`) while one fits; whether any was swapped."""
        swapped = False
        for _ in range(self.n):
            if not self._swap(path, keep):
                break
            swapped = True
        return swapped

    def _swap(self, path: list[int], keep) -> bool:
        """Replace a visited stop by a more valuable one left out, where it fits."""
        values = self.values
        left = sorted(set(range(self.n)) - set(path), key=lambda i: (-values[i], i))
        visited = sorted((q for q in path if q not in keep), key=lambda i: (values[i], i))
        for c in left:
            for p in visited:
                if values[p] >= values[c]:
                    break
                trial = [q for q in path if q != p]
                self._insert(trial, c)
                if self.minutes(trial) <= self.budget + 1e-9:
                    path[:] = trial
                    return True
        return False

    def _reorder(self, path: list[int]) -> list[int]:
        """The shortest of the path improved as it is and of a nearest-neighbour order of its
        stops improved (from the start; without one, the best of those from its first, its last
        and its most valuable stop)."""
        if len(path) < 3:
            best = list(path)
            self._improve(best)
            return best
        orders = [list(path)]
        if self.has_start:
            orders.append(self._nearest(path, None))
        else:
            firsts = sorted({path[0], path[-1], max(path, key=lambda i: (self.values[i], -i))})
            nearest = [self._nearest(path, f) for f in firsts]
            orders.append(min(nearest, key=lambda o: (self.length(o), o)))
        best = None
        for order in orders:
            self._improve(order)
            key = (round(self.length(order), 6), order)
            if best is None or key < best:
                best = key
        return best[1]

    def _nearest(self, path: list[int], first: int | None) -> list[int]:
        left = sorted(path)
        here = self.start
        order = []
        if first is not None:
            left.remove(first)
            order.append(first)
            here = first
        while left:
            k = int(np.argmin(self.d[here, left]))
            here = left.pop(k)
            order.append(here)
        return order

    def _insert(self, path: list[int], c: int) -> None:
        full = np.array([self.start, *path, self.end])
        added = self.d[full[:-1], c] + self.d[c, full[1:]] - self.d[full[:-1], full[1:]]
        path.insert(int(np.argmin(added)), c)

    def _greedy(self, path: list[int], alpha: float = 1.0) -> None:
        d = self.d
        while True:
            left = np.array(sorted(set(range(self.n)) - set(path)), dtype=np.int64)
            if len(left) == 0:
                return
            used = self.minutes(path)
            full = np.array([self.start, *path, self.end])
            a, b = full[:-1], full[1:]
            # added metres: candidates × positions
            added = d[np.ix_(left, a)] + d[np.ix_(left, b)] - d[a, b][None, :]
            position = np.argmin(added, axis=1)
            extra = added[np.arange(len(left)), position] * self.per_metre + self.stop
            fits = used + extra <= self.budget + 1e-9
            if not fits.any():
                return
            ratio = np.where(fits, self.values[left] / np.maximum(extra, 1e-9) ** alpha, -np.inf)
            k = int(np.argmax(ratio))
            path.insert(int(position[k]), int(left[k]))

    def _improve(self, path: list[int]) -> None:
        improved = True
        while improved:
            improved = self._two_opt(path) or self._or_opt(path)

    def _two_opt(self, path: list[int]) -> bool:
        """Reverse the stretch whose reversal shortens the path most (numpy over all pairs)."""
        full = np.array([self.start, *path, self.end])
        n = len(full)
        if n < 4:
            return False
        d = self.d
        i = np.arange(1, n - 2)
        j = np.arange(2, n - 1)
        a, b = full[i - 1], full[i]
        c, e = full[j], full[j + 1]
        gain = (d[a, b][:, None] + d[c, e][None, :]) - (d[np.ix_(a, c)] + d[np.ix_(b, e)])
        gain = np.where(j[None, :] > i[:, None], gain, -np.inf)
        k = int(np.argmax(gain))  # the first of equal gains: deterministic
        if gain.flat[k] <= 1e-7:
            return False
        x, y = i[k // len(j)], j[k % len(j)]
        full[x : y + 1] = full[x : y + 1][::-1]
        path[:] = [int(q) for q in full[1:-1]]
        return True

    def _or_opt(self, path: list[int]) -> bool:
        """Move a chain of one to three stops (either way round) where the path gets shortest;
        the first move that shortens it is made."""
        d = self.d
        before = self.length(path)
        whole = [self.start, *path, self.end]
        for size in (1, 2, 3):
            for i in range(len(path) - size + 1):
                chain = path[i : i + size]
                rest = path[:i] + path[i + size :]
                inner = self._inner(chain)
                prev, after = whole[i], whole[i + size + 1]
                rest_length = (
                    before - d[prev, chain[0]] - inner - d[chain[-1], after] + d[prev, after]
                )
                full = np.array([self.start, *rest, self.end])
                a, b = full[:-1], full[1:]
                base = rest_length + inner - d[a, b]
                forward = base + d[a, chain[0]] + d[chain[-1], b]
                backward = base + d[a, chain[-1]] + d[chain[0], b]
                both = np.concatenate([forward, backward])
                k = int(np.argmin(both))
                if both[k] < before - 1e-7:
                    where, flip = k % len(a), k >= len(a)
                    moved = chain[::-1] if flip else chain
                    path[:] = rest[:where] + moved + rest[where:]
                    return True
        return False

    def _inner(self, chain) -> float:
        return float(sum(self.d[a, b] for a, b in itertools.pairwise(chain)))


def route_coordinates(pts: Points, order: Sequence[int]) -> list[tuple[float, float]]:
    """The route through the stops ``order`` (from the start, to the end when there are ones)
    as metric coordinates along the segments; a single point twice when the route has no length."""
    snaps = [pts.snaps[pts.count], *(pts.snaps[i] for i in order), pts.snaps[pts.count + 1]]
    snaps = [s for s in snaps if s is not None]
    if not snaps:
        return []
    coords: list[tuple[float, float]] = [(snaps[0].x, snaps[0].y)]
    for a, b in itertools.pairwise(snaps):
        for piece in _leg_pieces(pts, a, b):
            _extend(coords, piece)
        _extend(coords, [(b.x, b.y)])
    if len(coords) == 1:
        coords.append(coords[0])
    return coords


def _extend(coords: list, piece) -> None:
    for x, y in piece:
        px, py = coords[-1]
        if abs(px - x) > 1e-9 or abs(py - y) > 1e-9:
            coords.append((float(x), float(y)))


def _part(net: Network, segment: int, start_fraction: float, end_fraction: float):
    """Coordinates of a segment from one fraction to another (reversed when going back)."""
    line = net.geometries[segment]
    total = line.length
    if total <= 0:
        return list(line.coords)
    lo, hi = sorted((start_fraction, end_fraction))
    part = substring(line, lo * total, hi * total)
    coords = list(part.coords) if part.geom_type == "LineString" else [(part.x, part.y)]
    return coords[::-1] if start_fraction > end_fraction else coords


def _leg_pieces(pts: Points, a: Snap, b: Snap):
    net = pts.net
    _metres, na, nb = _leg(net, pts.sources, pts.dist, a, b)
    if na is None:
        yield _part(net, a.segment, a.fraction, b.fraction)
        return
    yield _part(net, a.segment, a.fraction, 0.0 if na == net.u[a.segment] else 1.0)
    nodes = [nb]
    pred = pts.pred[pts.sources[na]]
    while nodes[-1] != na:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    for x, y in itertools.pairwise(nodes):
        segment = net.edge[(min(x, y), max(x, y))]
        forward = net.u[segment] == x if net.u[segment] != net.v[segment] else True
        yield _part(net, segment, 0.0 if forward else 1.0, 1.0 if forward else 0.0)
    yield _part(net, b.segment, 0.0 if nb == net.u[b.segment] else 1.0, b.fraction)


def end_nodes(geometries, *, precision_m: float = 0.01):
    """Node ids ``u``, ``v`` of each LineString's first and last point (ends within
    ``precision_m`` of each other are one node), so that every geometry runs from ``u`` to
    ``v``."""
    geometries = np.asarray(geometries, dtype=object)
    if len(geometries) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    first = shapely.get_coordinates(shapely.get_point(geometries, 0))
    last = shapely.get_coordinates(shapely.get_point(geometries, -1))
    keys = np.round(np.vstack([first, last]) / precision_m).astype(np.int64)
    _, codes = np.unique(keys, axis=0, return_inverse=True)
    codes = codes.reshape(-1)
    return codes[: len(geometries)], codes[len(geometries) :]

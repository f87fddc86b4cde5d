"""Seeded generation of the demo's reports on top of the real OSM layers.

Plain functions over GeoDataFrames in the installation's metric CRS (metres); nothing here
touches the database, so a notebook or a test can regenerate the demo's reports in memory.
What is generated, and why, is documented in gis.demo.plan and the README.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, box

from gis.core import timeofday
from gis.core.vocabulary import AUDIT_PARAMETERS
from gis.demo import timepatterns
from gis.demo.plan import (
    BACKGROUND_INCIDENTS_PER_MONTH,
    BACKGROUND_PINS_PER_MONTH,
    DARK_EVENING_FACTOR,
    DARK_LAMP_DISTANCE_M,
    MONTHS,
    PLACE_RADIUS_M,
    PLACE_SEGMENT_SHARE,
    PLANTED,
    SEED,
    PlantedHotspot,
)

CATEGORY_WEIGHTS = {
    "lighting": 0.22,
    "vegetation": 0.12,
    "hidden_place": 0.1,
    "graffiti": 0.12,
    "litter": 0.12,
    "traffic": 0.1,
    "gathering": 0.12,
    "wayfinding": 0.05,
    "other": 0.05,
}
INCIDENT_TYPE_FOR = {"gathering": "gathering", "graffiti": "graffiti", "traffic": "illegal_driving"}
INCIDENT_TYPES = ["vandalism", "graffiti", "glass", "fire", "gathering", "illegal_driving", "other"]
INCIDENT_SOURCES = ["police", "guard", "night_walkers", "field_team", "housing_company"]
ROLES = ["resident", "resident", "resident", "police", "housing", "street", "parks", "other"]
DISTRICT_NAMES = ("Kamppi", "Kluuvi", "Kruununhaka")
LAMP_HEIGHT_M = 6.0
LAMP_INTENSITY_CD = 800.0


@dataclass
class DemoData:
    """Everything the demo generates; geometry in the metric CRS of the input layers."""

    districts: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    pins: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    walks: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame
    audits: gpd.GeoDataFrame
    lux: gpd.GeoDataFrame
    lamp_status: pd.DataFrame
    months: list[datetime]


def month_starts(now: datetime, months: int = MONTHS) -> list[datetime]:
    """The first instants of the `months` months ending with the month of `now` (aware)."""
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    for _ in range(months - 1):
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts[::-1]


def generate(
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame,
    now: datetime,
    seed: int = SEED,
    tz: str | None = None,
) -> DemoData:
    """Generate districts, reports, walks, lux readings and lamp statuses (metric CRS).

    `segments` needs `id`, `u`, `v`, `lit`, `length_m`; `lamps` needs `id`; `parks` polygons.
    The same seed gives the same places and counts whatever `now` is (times shift by months)
    and whatever order the layers come in (they are sorted by where they are first).
    Reports that say day, evening or night are dated at local clock hours of that period
    (:mod:`gis.core.timeofday`) in the IANA zone `tz`, default ``settings.TIME_ZONE``.
    """
    segments, lamps, parks = (_in_place_order(frame) for frame in (segments, lamps, parks))
    rng = np.random.default_rng(seed)
    months = month_starts(now)
    ends = [*months[1:], now]
    clock = _Clock(rng, months, ends, tz or _installation_zone())
    districts = _districts(segments)
    places = _places(segments, parks)
    geometry_of = dict(zip(segments["id"], segments.geometry, strict=True))
    around = {
        row.key: _place_lines(segments, geometry_of[row.segment_id], row.geometry)
        for row in places.itertuples()
    }

    network = segments.geometry.to_numpy()
    network_weights = shapely.length(network)
    dark_weights = network_weights * np.where(
        _far_from_lamps(network, lamps, DARK_LAMP_DISTANCE_M), DARK_EVENING_FACTOR, 1.0
    )
    pins, incidents = [], []
    for month in range(MONTHS):
        for _, place in places.iterrows():
            plan: PlantedHotspot = place["plan"]
            lines, weights = around[plan.key]
            for point in _points_on_lines(rng, lines, rng.poisson(plan.rate(month)), weights):
                incident_type = INCIDENT_TYPE_FOR.get(plan.category)
                if incident_type and rng.random() < 0.3:
                    incidents.append(_incident(rng, clock, month, point, incident_type, plan.when))
                else:
                    pins.append(_pin(rng, clock, month, point, plan.category, plan.when, plan.key))
        for when in rng.choice(
            ["day", "evening", "night"],
            p=[0.3, 0.45, 0.25],
            size=rng.poisson(BACKGROUND_PINS_PER_MONTH),
        ):
            weights = network_weights if when == "day" else dark_weights
            (point,) = _points_on_lines(rng, network, 1, weights)
            category = rng.choice(list(CATEGORY_WEIGHTS), p=list(CATEGORY_WEIGHTS.values()))
            pins.append(_pin(rng, clock, month, point, str(category), str(when), ""))
        for when in rng.choice(
            ["day", "evening", "night"],
            p=[0.2, 0.4, 0.4],
            size=rng.poisson(BACKGROUND_INCIDENTS_PER_MONTH),
        ):
            weights = network_weights if when == "day" else dark_weights
            (point,) = _points_on_lines(rng, network, 1, weights)
            incidents.append(
                _incident(rng, clock, month, point, str(rng.choice(INCIDENT_TYPES)), str(when))
            )

    timepatterns.shape_week(pins, months, ends, clock.tz, seed)
    walks, findings, audits = _walks(rng, clock, segments, districts, places)
    lamp_status = _lamp_status(rng, lamps, places, months)
    lux = _lux(rng, clock, segments, lamps, lamp_status, places, months)
    crs = segments.crs
    return DemoData(
        districts=districts,
        places=places.drop(columns="plan"),
        pins=gpd.GeoDataFrame(pins, crs=crs),
        incidents=gpd.GeoDataFrame(incidents, crs=crs),
        walks=gpd.GeoDataFrame(walks, crs=crs),
        findings=gpd.GeoDataFrame(findings, crs=crs),
        audits=gpd.GeoDataFrame(audits, crs=crs),
        lux=gpd.GeoDataFrame(lux, crs=crs),
        lamp_status=lamp_status,
        months=months,
    )


def _in_place_order(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows sorted by the coordinates of a point on each geometry (then by its length/area).

    Database ids and row order change when the demo is reloaded; positions do not.
    """
    if frame.empty:
        return frame
    anchor = frame.geometry.representative_point()
    keys = pd.DataFrame(
        {
            "x": np.round(anchor.x.to_numpy(), 3),
            "y": np.round(anchor.y.to_numpy(), 3),
            "size": np.round(frame.geometry.length.to_numpy() + frame.geometry.area.to_numpy(), 3),
        }
    )
    order = np.lexsort((keys["size"], keys["y"], keys["x"]))
    return frame.iloc[order].reset_index(drop=True)


def _installation_zone() -> str:
    from django.conf import settings

    return settings.TIME_ZONE


class _Clock:
    """Random instants inside a month, at local clock hours of day, evening or night (`tz`)."""

    def __init__(
        self, rng: np.random.Generator, starts: list[datetime], ends: list[datetime], tz: str
    ):
        self.rng, self.starts, self.ends, self.tz = rng, starts, ends, tz

    def at(self, month: int, when: str = "day") -> datetime:
        """An instant (UTC) of `month` whose local clock hour lies in the period `when`.

        A night drawn on a month's last day runs into the next month's first morning, as
        nights do. In the current month an instant that would lie after `end` (now) moves to
        the same clock time on an earlier day, so it is in the past and still in `when`.
        """
        start, end = self.starts[month], self.ends[month]
        span_days = max((end - start).days, 1)
        first_day = start.astimezone(timeofday.zone(self.tz)).date()
        day = first_day + timedelta(days=int(self.rng.integers(0, span_days)))
        low, high = timeofday.period(when).span
        hours = float(self.rng.uniform(low, high))
        # Always draw the fallback's share, so the random stream (and every later count and
        # place) does not depend on the day the demo is loaded.
        share = (float(self.rng.uniform(0.05, 0.95)) - 0.05) / 0.9
        instant = timeofday.local_instant(day, hours, self.tz)
        if instant < end:
            return instant
        while instant >= end:  # the latest day on which this clock time is past
            day -= timedelta(days=1)
            instant = timeofday.local_instant(day, hours, self.tz)
        days = (day - first_day).days + 1
        if days > 1:
            day = first_day + timedelta(days=min(int(share * days), days - 1))
        return timeofday.local_instant(day, hours, self.tz)


def _uuid(rng: np.random.Generator) -> uuid.UUID:
    return uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | int(rng.integers(0, 2**63)), version=4)


def _districts(segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Three districts drawn over the extent as west, centre and east strips (not official)."""
    xmin, ymin, xmax, ymax = segments.total_bounds
    margin = 40.0
    cuts = np.linspace(xmin - margin, xmax + margin, 4)
    polygons = [box(cuts[i], ymin - margin, cuts[i + 1], ymax + margin) for i in range(3)]
    return gpd.GeoDataFrame({"name": DISTRICT_NAMES}, geometry=polygons, crs=segments.crs)


def planted_places(segments: gpd.GeoDataFrame, parks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Where the planted hotspots lie, anchored as :func:`generate` anchors them.

    Parameters
    ----------
    segments, parks : geopandas.GeoDataFrame
        The demo's street segments (``id``, line geometry) and parks, metric CRS (metres).

    Returns
    -------
    geopandas.GeoDataFrame
        key, category, expected, segment_id and the place's point, in PLANTED order.
    """
    return _places(_in_place_order(segments), _in_place_order(parks)).drop(columns="plan")


def _places(segments: gpd.GeoDataFrame, parks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Anchor each planted hotspot on the midpoint of its nearest street segment."""
    xmin, ymin, xmax, ymax = segments.total_bounds
    rows = []
    for plan in PLANTED:
        anchor = Point(xmin + plan.fx * (xmax - xmin), ymin + plan.fy * (ymax - ymin))
        if plan.near_park and len(parks):
            park = parks.geometry.iloc[int(parks.distance(anchor).argmin())]
            anchor = park.representative_point()
            candidates = segments[segments.intersects(park.buffer(5))]
            candidates = candidates if len(candidates) else segments
        else:
            candidates = segments
        nearest = candidates.iloc[int(candidates.distance(anchor).argmin())]
        point = nearest.geometry.interpolate(0.5, normalized=True)
        rows.append(
            {
                "key": plan.key,
                "category": plan.category,
                "expected": plan.expected,
                "segment_id": nearest["id"],
                "plan": plan,
                "geometry": point,
            }
        )
    return gpd.GeoDataFrame(rows, crs=segments.crs)


def _jitter(rng: np.random.Generator, point: Point, radius: float) -> Point:
    angle, distance = rng.uniform(0, 2 * np.pi), radius * np.sqrt(rng.uniform())
    return Point(point.x + distance * np.cos(angle), point.y + distance * np.sin(angle))


def _far_from_lamps(lines: np.ndarray, lamps: gpd.GeoDataFrame, distance: float) -> np.ndarray:
    """True for lines whose midpoint has no street lamp within `distance` metres."""
    if len(lamps) == 0:
        return np.ones(len(lines), bool)
    midpoints = shapely.line_interpolate_point(lines, 0.5, normalized=True)
    tree = shapely.STRtree(lamps.geometry.to_numpy())
    near = np.unique(tree.query(midpoints, predicate="dwithin", distance=distance)[0])
    far = np.ones(len(lines), bool)
    far[near] = False
    return far


def _place_lines(
    segments: gpd.GeoDataFrame, segment: LineString, point: Point
) -> tuple[np.ndarray, np.ndarray]:
    """Where a place's reports fall: its own segment (PLACE_SEGMENT_SHARE of them) and the
    pieces of the street network within PLACE_RADIUS_M (by length); lines and weights."""
    disk = point.buffer(PLACE_RADIUS_M)
    near = segments.geometry.to_numpy()[segments.intersects(disk).to_numpy()]
    pieces = shapely.get_parts(shapely.intersection(near, disk))
    pieces = pieces[(shapely.get_type_id(pieces) == 1) & (shapely.length(pieces) > 0)]
    lengths = shapely.length(pieces)
    own = lengths.sum() * PLACE_SEGMENT_SHARE / (1.0 - PLACE_SEGMENT_SHARE)
    return np.concatenate([[segment], pieces]), np.concatenate([[max(own, 1.0)], lengths])


def _points_on_lines(
    rng: np.random.Generator, lines: np.ndarray, n: int, weights: np.ndarray | None = None
) -> list[Point]:
    """`n` points on `lines`, lines drawn by `weights` (default length), 0–8 m off centre."""
    weights = shapely.length(lines) if weights is None else weights
    chosen = rng.choice(len(lines), size=n, p=weights / weights.sum())
    points = shapely.line_interpolate_point(lines[chosen], rng.uniform(0, 1, n), normalized=True)
    return [_jitter(rng, point, 8.0) for point in points]


def _pin(rng, clock, month, point, category, when, planted) -> dict:
    return {
        "category": category,
        "when": when,
        "reported_at": clock.at(month, when),
        "votes": int(rng.poisson(1.5 if planted else 0.4)),
        "planted": planted,
        "client_uuid": _uuid(rng),
        "month": month,
        "geometry": point,
    }


def _incident(rng, clock, month, point, incident_type, when) -> dict:
    return {
        "type": incident_type,
        "source": str(rng.choice(INCIDENT_SOURCES)),
        "occurred_at": clock.at(month, when),
        "month": month,
        "geometry": point,
    }


def _walks(rng, clock, segments, districts, places):
    """One safety walk a month (evening) and a night walk every third month, with findings."""
    graph = nx.Graph()
    for row in segments[["id", "u", "v", "length_m"]].itertuples(index=False):
        graph.add_edge(row.u, row.v, weight=row.length_m, segment=row.id)
    geometry_of = dict(zip(segments["id"], segments.geometry, strict=True))
    node_xy = {}
    for line, u, v in zip(segments.geometry, segments["u"], segments["v"], strict=True):
        node_xy.setdefault(u, line.coords[0])
        node_xy.setdefault(v, line.coords[-1])
    walks, findings, audits = [], [], []
    schedule = [(m, "evening") for m in range(MONTHS)] + [(m, "night") for m in range(0, MONTHS, 3)]
    for number, (month, time_of_day) in enumerate(schedule):
        district = districts.iloc[number % len(districts)]
        inside = [n for n, xy in node_xy.items() if district.geometry.contains(Point(xy))]
        route_edges = _route(rng, graph, inside)
        if not route_edges:
            continue
        route = shapely.line_merge(shapely.union_all([geometry_of[e] for e in route_edges]))
        if route.geom_type != "LineString":
            route = LineString([pt for line in route.geoms for pt in line.coords])
        starts_at = clock.at(month, time_of_day)
        walk_key = f"walk-{number}"
        walks.append(
            {
                "key": walk_key,
                "title": f"Trygghetsvandring {district['name']}",
                "district": district["name"],
                "starts_at": starts_at,
                "time_of_day": time_of_day,
                "month": month,
                "geometry": route,
                "participants": [str(r) for r in rng.choice(ROLES, size=rng.integers(6, 13))],
            }
        )
        for _ in range(int(rng.integers(8, 15))):
            point = route.interpolate(float(rng.uniform(0, route.length)))
            distances = places.distance(point)
            near = places.iloc[int(distances.argmin())]
            plan = near["plan"]
            active = distances.min() < 80 and plan.rate(month) >= 3
            category = (
                plan.category
                if active
                else str(rng.choice(list(CATEGORY_WEIGHTS), p=list(CATEGORY_WEIGHTS.values())))
            )
            geometry = _finding_shape(rng, point, route_edges, geometry_of, category)
            findings.append(
                {
                    "walk": walk_key,
                    "category": category,
                    "severity": int(rng.integers(4, 6)) if active else int(rng.integers(1, 5)),
                    "when": time_of_day,
                    "author_role": str(rng.choice(ROLES)),
                    "observed_at": starts_at + timedelta(minutes=float(rng.uniform(5, 90))),
                    "client_uuid": _uuid(rng),
                    "planted": plan.key if active else "",
                    "geometry": geometry,
                }
            )
        for stop in range(3):
            point = route.interpolate((stop + 0.5) / 3, normalized=True)
            darkness = 1 if time_of_day == "night" else 0
            scores = {
                name: int(np.clip(rng.integers(1, 4) - darkness * rng.integers(0, 2), 0, 3))
                for name in AUDIT_PARAMETERS
            }
            audits.append(
                {
                    "walk": walk_key,
                    "stop_name": f"Stopp {stop + 1}",
                    "observed_at": starts_at + timedelta(minutes=20 * (stop + 1)),
                    "client_uuid": _uuid(rng),
                    **scores,
                    "geometry": point,
                }
            )
    return walks, findings, audits


def _route(rng, graph: nx.Graph, nodes: list) -> list:
    """Segment ids of a shortest path 500–1,500 m long between two nodes of a district."""
    for _ in range(30):
        a, b = rng.choice(len(nodes), size=2, replace=False)
        try:
            path = nx.shortest_path(graph, nodes[a], nodes[b], weight="weight")
        except nx.NetworkXNoPath:
            continue
        length = nx.path_weight(graph, path, weight="weight")
        if 500 <= length <= 1500:
            return [graph.edges[u, v]["segment"] for u, v in itertools.pairwise(path)]
    return []


def _finding_shape(rng, point, route_edges, geometry_of, category):
    """Mostly points; "this whole path is dark" as a segment; sometimes an area."""
    draw = rng.random()
    if category == "lighting" and draw < 0.25:
        return min((geometry_of[e] for e in route_edges), key=point.distance)
    if draw > 0.93:
        return point.buffer(15, quad_segs=4)
    return point


def _lamp_status(rng, lamps: gpd.GeoDataFrame, places: gpd.GeoDataFrame, months) -> pd.DataFrame:
    """Working or broken now, and for repaired lamps the date they were repaired."""
    status = np.where(rng.random(len(lamps)) < 0.05, "broken", "working").astype(object)
    repaired_at = [None] * len(lamps)
    for _, place in places.iterrows():
        plan = place["plan"]
        near = lamps.distance(place.geometry).to_numpy() < 60
        if plan.fixed_at_month is not None:
            status[near] = "working"
            for index in np.flatnonzero(near):
                repaired_at[index] = months[plan.fixed_at_month] + timedelta(days=3)
        elif plan.key == "new_hidden_corner":
            status[near] = "broken"
    return pd.DataFrame(
        {"id": lamps["id"].to_numpy(), "status": status, "repaired_at": repaired_at}
    )


def illuminance(points: np.ndarray, lamps: np.ndarray) -> np.ndarray:
    """Night-time horizontal illuminance on the ground at `points` from the lamps at `lamps`.

    Parameters
    ----------
    points, lamps : numpy.ndarray
        (n, 2) and (m, 2) coordinates in a metric CRS (metres).

    Returns
    -------
    numpy.ndarray
        (n,) lux: each lamp is a point source of LAMP_INTENSITY_CD candela at LAMP_HEIGHT_M
        metres and adds I·h / (d² + h²)^1.5 at horizontal distance d.
    """
    d2 = ((points[:, None, :] - lamps[None, :, :]) ** 2).sum(axis=2)
    return (LAMP_INTENSITY_CD * LAMP_HEIGHT_M / (d2 + LAMP_HEIGHT_M**2) ** 1.5).sum(axis=1)


def _lux(rng, clock, segments, lamps, lamp_status, places, months) -> list[dict]:
    """Night-time ground illuminance at points along a sample of segments, from the lamps.

    Each working lamp adds its :func:`illuminance`; lamps repaired later count as dark before
    their repair date.
    """
    xy = np.column_stack([lamps.geometry.x, lamps.geometry.y]) if len(lamps) else np.empty((0, 2))
    planted_segments = set(places["segment_id"])
    sample = segments[(segments["id"].isin(planted_segments)) | (rng.random(len(segments)) < 0.25)]
    readings = []
    for row in sample.itertuples():
        for fraction in (0.2, 0.5, 0.8):
            point = row.geometry.interpolate(fraction, normalized=True)
            month = int(rng.integers(0, MONTHS))
            measured_at = clock.at(month, "night")
            on = (lamp_status["status"] == "working").to_numpy().copy()
            repaired = lamp_status["repaired_at"].map(
                lambda d, t=measured_at: d is not None and d > t
            )
            on &= ~repaired.to_numpy(bool)
            lux = float(illuminance(np.array([[point.x, point.y]]), xy[on])[0])
            lux = (lux + 0.2) * float(rng.lognormal(0, 0.2))
            readings.append(
                {
                    "lux": round(lux, 2),
                    "measured_at": measured_at,
                    "segment_id": row.id,
                    "geometry": point,
                }
            )
    return readings

"""Planning a safety walk: the candidate stops of an area (:mod:`gis.walkplan.candidates`) put in
order along the street network within a time budget (:mod:`gis.priority.walk_route`).

:func:`plan_walk` plans, :func:`plan_json` gives the plan as the API's and the command's JSON,
:func:`save_plan` makes a plan a walk's route and numbered stops. The same inputs give the same
plan: the candidates are ordered by kind and id and the engine draws no random numbers.

Bad input raises :class:`PlanError`, which names the input (``field``) it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiPolygon, Point, Polygon
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gis import frames
from gis.core.api.fields import to_storage, to_wgs84
from gis.core.lazy import lazy_module
from gis.core.models import Municipality
from gis.core.vocabulary import WhenUnsafe
from gis.walkplan import candidates as sources
from layers.models import District
from walks.models import ResidentPin, SafetyWalk, WalkStop

engine = lazy_module("gis.priority.walk_route")

#: Street segments this far (metres) outside the area still carry the walk between its stops.
MARGIN_M = 300.0
#: Candidates the engine weighs at most (the most valuable); the leader's own always count.
MAX_CANDIDATES = 60
#: Budget bounds (minutes) and pace bounds (km/h) that the API and the command accept.
MINUTES_RANGE = (10, 480)
PACE_RANGE = (1.0, 8.0)
#: A point this far (metres) from every street is too far to walk to.
MAX_SNAP_M = 500.0
ADDED = "added"


class PlanError(ValueError):
    """Bad planning input: ``field`` names the input, the message says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class WalkPlan:
    """A planned walk: its inputs, its stops in walking order, the route (metric LineString,
    None when it has no length), its metres and minutes (walking and stops)."""

    municipality: Municipality
    inputs: dict
    stops: list[dict]
    route: LineString | None
    length_m: float
    minutes: float
    walk_minutes: float
    stop_minutes: float
    candidates: int
    over_budget: bool
    route_coords: list = field(default_factory=list, repr=False)


def _district(municipality: Municipality, district) -> District:
    found = District.objects.filter(municipality=municipality)
    if isinstance(district, District):
        if district.municipality_id != municipality.pk:
            raise PlanError("district", _("The district belongs to another municipality."))
        return district
    text = str(district).strip()
    match = found.filter(pk=int(text)).first() if text.isdigit() else None
    match = match or found.filter(name__iexact=text).first()
    if match is None:
        raise PlanError(
            "district",
            _("No district %(name)s in %(municipality)s.")
            % {
                "name": repr(text),
                "municipality": municipality.name,
            },
        )
    return match


def _area(municipality: Municipality, district, area):
    """The walk's area (metric) and the district it is, if any."""
    if district not in (None, "") and area is not None:
        raise PlanError("area", _("Give a district or an area, not both."))
    if district not in (None, ""):
        chosen = _district(municipality, district)
        return chosen.geom, chosen
    if area is None:
        return municipality.boundary, None
    if not isinstance(area, GEOSGeometry) or not isinstance(area, Polygon | MultiPolygon):
        raise PlanError("area", _("The area must be a polygon."))
    metric = to_storage(area) if area.srid != settings.TRYGG_SRID else area
    if not metric.valid:
        raise PlanError("area", _("The area's outline crosses itself."))
    if not metric.intersects(municipality.boundary):
        raise PlanError("area", _("The area lies outside the municipality."))
    return metric, None


def _point(municipality: Municipality, name: str, lonlat) -> Point | None:
    if lonlat is None:
        return None
    try:
        lon, lat = (float(c) for c in lonlat)
    except (TypeError, ValueError):
        raise PlanError(name, _("Give a point as longitude, latitude.")) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise PlanError(name, _("Give a point as longitude, latitude."))
    point = to_storage(Point(lon, lat, srid=4326))
    if not municipality.boundary.intersects(point):
        raise PlanError(name, _("The point lies outside the municipality."))
    return point


def _number(field: str, value, bounds: tuple[float, float], not_a_number, out_of_range) -> float:
    """``value`` as a number within ``bounds``, else a PlanError naming ``field``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PlanError(field, not_a_number) from None
    if not bounds[0] <= number <= bounds[1]:  # NaN too
        raise PlanError(field, out_of_range % {"low": bounds[0], "high": bounds[1]})
    return number


def _check_numbers(minutes, pace_kmh, time_of_day) -> tuple[float, float]:
    minutes = _number(
        "minutes",
        minutes,
        MINUTES_RANGE,
        _("The time budget must be a number of minutes."),
        _("The time budget must be %(low)d to %(high)d minutes."),
    )
    pace_kmh = _number(
        "pace_kmh",
        pace_kmh,
        PACE_RANGE,
        _("The pace must be a number of km/h."),
        _("The pace must be %(low)g to %(high)g km/h."),
    )
    if time_of_day not in WhenUnsafe.values:
        choices = ", ".join(WhenUnsafe.values)
        message = _("The time of day must be one of %(choices)s.") % {"choices": choices}
        raise PlanError("time_of_day", message)
    return minutes, pace_kmh


def _lonlat(point: Point) -> list[float]:
    wgs = to_wgs84(point)
    return [round(wgs.x, 7), round(wgs.y, 7)]


def plan_walk(
    municipality: Municipality,
    *,
    district=None,
    area: GEOSGeometry | None = None,
    minutes: float,
    time_of_day: str,
    pace_kmh: float = 4.0,
    start: Sequence[float] | None = None,
    end: Sequence[float] | None = None,
    dropped: Sequence[tuple[str, int | None]] = (),
    added: Sequence[Sequence[float]] = (),
    now: datetime | None = None,
) -> WalkPlan:
    """Plan a walk in ``district`` (a District, its id or its name) or ``area`` (a Polygon, WGS
    84 or metric), or the whole municipality without either.

    ``start``, ``end`` and each of ``added`` are WGS 84 (lon, lat); ``dropped`` lists the (kind,
    id) of stops the leader took out; ``now`` (default the present) dates the reports."""
    minutes, pace_kmh = _check_numbers(minutes, pace_kmh, time_of_day)
    now = now or timezone.now()
    region, chosen = _area(municipality, district, area)
    start_point = _point(municipality, "start", start)
    end_point = _point(municipality, "end", end)
    added_points = [_point(municipality, "added", p) for p in added]
    dropped_keys = set()
    for item in dropped:
        try:
            kind, ref = item
            dropped_keys.add((str(kind), None if ref is None else int(ref)))
        except (TypeError, ValueError):
            raise PlanError("dropped", _("Each dropped stop is a kind and an id.")) from None
    inputs = {
        "municipality": municipality.code,
        "district": chosen.pk if chosen else None,
        "district_name": chosen.name if chosen else None,
        "area": None if area is None else _area_json(region),
        "minutes": minutes,
        "time_of_day": time_of_day,
        "pace_kmh": pace_kmh,
        "start": None if start_point is None else _lonlat(start_point),
        "end": None if end_point is None else _lonlat(end_point),
        "dropped": [{"kind": k, "id": r} for k, r in sorted(dropped_keys, key=_sort_key)],
        "added": [_lonlat(p) for p in added_points],
    }
    found = [
        c
        for c in sources.candidates(municipality, region, time_of_day, now=now)
        if not _is_dropped(c, dropped_keys)
    ]
    found = sorted(found, key=lambda c: (-c["value"], c["kind"], c["ref_id"] or 0))
    found = sorted(found[:MAX_CANDIDATES], key=lambda c: (c["kind"], c["ref_id"] or 0))
    for number, point in enumerate(added_points, start=1):
        if (ADDED, number) in dropped_keys:
            continue
        found.append(
            {
                "kind": ADDED,
                "ref_id": number,
                "geom": point,
                "value": 1.0,
                "title": _("Added stop"),
                "why": _("Added by the walk leader"),
                "look_at": sources.look_at(ADDED),
                "comments": [],
                "photos": [],
                "merged": [],
            }
        )
    must = [i for i, c in enumerate(found) if c["kind"] == ADDED]
    segments = frames.segments(municipality, within=region.buffer(MARGIN_M))
    if len(segments) == 0:
        raise PlanError(
            "district" if chosen else "area", _("No walkable streets in the chosen area.")
        )
    geometries = segments.geometry.values
    u, v = engine.end_nodes(geometries)
    # Lengths of the geometries themselves, so the route's metres are those of its line.
    net = engine.network(u, v, segments.geometry.length.to_numpy(dtype=float), geometries)
    xy = [(c["geom"].x, c["geom"].y) for c in found]
    pts = engine.points(
        net,
        xy,
        start=None if start_point is None else (start_point.x, start_point.y),
        end=None if end_point is None else (end_point.x, end_point.y),
    )
    for name, snap in (("start", pts.snaps[-2]), ("end", pts.snaps[-1])):
        if snap is not None and snap.distance_m > MAX_SNAP_M:
            raise PlanError(name, _("The point is too far from the streets of the area."))
    reachable = [i for i in range(len(found)) if pts.snaps[i].distance_m <= MAX_SNAP_M]
    for i in must:
        if i not in reachable:
            raise PlanError("added", _("An added stop is too far from the streets of the area."))
    values = [c["value"] if i in reachable else 1e-12 for i, c in enumerate(found)]
    if len(reachable) < len(found):
        # Unreachable candidates stay out: an engine run on the reachable ones only.
        keep = reachable
        found = [found[i] for i in keep]
        must = [keep.index(i) for i in must]
        xy = [xy[i] for i in keep]
        values = [values[i] for i in keep]
        pts = engine.points(
            net,
            xy,
            start=None if start_point is None else (start_point.x, start_point.y),
            end=None if end_point is None else (end_point.x, end_point.y),
        )
    route = engine.plan_route(
        pts, values, minutes=minutes, pace_kmh=pace_kmh, stop_minutes=engine.STOP_MINUTES, must=must
    )
    per_metre = 60.0 / (pace_kmh * 1000.0)
    stops = []
    for number, index in enumerate(route.order, start=1):
        candidate = found[index]
        snap = pts.snaps[index]
        stops.append(
            {
                **candidate,
                "order": number,
                "point": Point(snap.x, snap.y, srid=settings.TRYGG_SRID),
                "minutes_from_start": route.arrival_m[number - 1] * per_metre
                + engine.STOP_MINUTES * (number - 1),
                "metres_from_start": route.arrival_m[number - 1],
            }
        )
    coords = list(route.coordinates)
    line = None
    if len(coords) >= 2 and route.length_m > 0:
        line = LineString(coords, srid=settings.TRYGG_SRID)
    return WalkPlan(
        municipality=municipality,
        inputs=inputs,
        stops=stops,
        route=line,
        length_m=route.length_m,
        minutes=route.minutes,
        walk_minutes=route.walk_minutes,
        stop_minutes=route.stop_minutes,
        candidates=len(found),
        over_budget=route.over_budget,
        route_coords=coords,
    )


def _sort_key(key):
    kind, ref = key
    return (kind, -1 if ref is None else ref)


def _is_dropped(candidate: dict, dropped) -> bool:
    keys = [(candidate["kind"], candidate["ref_id"]), *candidate.get("merged", [])]
    return any((k, None if r is None else int(r)) in dropped for k, r in keys)


def _area_json(region) -> dict:
    import json

    return json.loads(to_wgs84(region).geojson)


def _route_json(plan: WalkPlan) -> dict:
    coords = plan.route_coords
    if not coords:
        return {"type": "LineString", "coordinates": []}
    if plan.route is not None:
        wgs = to_wgs84(plan.route)
        points = [[round(x, 7), round(y, 7)] for x, y in wgs.coords]
    else:
        single = _lonlat(Point(*coords[0], srid=settings.TRYGG_SRID))
        points = [single, single]
    return {"type": "LineString", "coordinates": points}


def stop_json(stop: dict) -> dict:
    """One stop as the API gives it."""
    lon, lat = _lonlat(stop["point"])
    return {
        "order": stop["order"],
        "kind": stop["kind"],
        "id": stop["ref_id"],
        "lon": lon,
        "lat": lat,
        "place": _lonlat(stop["geom"]),
        "title": stop["title"],
        "why": stop["why"],
        "look_at": stop["look_at"],
        "comments": list(stop["comments"]),
        "photos": list(stop["photos"]),
        "merged": [{"kind": k, "id": r} for k, r in stop.get("merged", [])],
        "minutes_from_start": round(stop["minutes_from_start"], 1),
        "value": round(stop["value"], 4),
    }


def plan_json(plan: WalkPlan) -> dict:
    """The plan as JSON: ``route`` (a GeoJSON LineString in WGS 84), ``stops`` (each with
    ``kind``, ``id``, ``lon``, ``lat``, ``why`` and more), ``length_m``, ``minutes``, and
    ``inputs`` echoing what it was planned from."""
    return {
        "route": _route_json(plan),
        "stops": [stop_json(s) for s in plan.stops],
        "length_m": round(plan.length_m, 1),
        "minutes": round(plan.minutes, 1),
        "walk_minutes": round(plan.walk_minutes, 1),
        "stop_minutes": round(plan.stop_minutes, 1),
        "candidates": plan.candidates,
        "over_budget": plan.over_budget,
        "inputs": plan.inputs,
    }


def save_plan(walk: SafetyWalk, plan: WalkPlan) -> None:
    """Make ``plan`` the walk's route, plan inputs and numbered stops (1..n in walking order).

    A stop that was on the walk before (same kind and id) keeps its tick."""
    with transaction.atomic():
        walk = SafetyWalk.objects.select_for_update().get(pk=walk.pk)
        ticks = {
            (s.kind, s.ref_id): (s.ticked_at, s.ticked_by_id)
            for s in walk.stops.exclude(kind=ADDED)
            if s.ticked_at
        }
        walk.route = plan.route
        walk.plan = plan.inputs
        walk.time_of_day = plan.inputs["time_of_day"]
        if plan.inputs.get("district"):
            walk.district_id = plan.inputs["district"]
        walk.save(update_fields=["route", "plan", "time_of_day", "district"])
        walk.stops.all().delete()
        rows = []
        for stop in plan.stops:
            tick = ticks.get((stop["kind"], stop["ref_id"]), (None, None))
            rows.append(
                WalkStop(
                    walk=walk,
                    order=stop["order"],
                    kind=stop["kind"],
                    ref_id=stop["ref_id"],
                    geom=stop["point"],
                    title=stop["title"][:200],
                    why=stop["why"],
                    look_at=stop["look_at"],
                    ticked_at=tick[0],
                    ticked_by_id=tick[1],
                )
            )
        WalkStop.objects.bulk_create(rows)


def saved_plan_json(walk: SafetyWalk) -> dict:
    """A walk's saved plan: its inputs, route (WGS 84, None without one), length and stops."""
    import json

    route = json.loads(to_wgs84(walk.route).geojson) if walk.route else None
    rows = list(walk.stops.all().order_by("order"))
    published = _published_pins([s.ref_id for s in rows if s.kind == "pin"])
    stops = []
    for stop in rows:
        lon, lat = _lonlat(stop.geom)
        comments, photos = published.get(stop.ref_id, ([], [])) if stop.kind == "pin" else ([], [])
        stops.append(
            {
                "order": stop.order,
                "kind": stop.kind,
                "id": stop.ref_id,
                "lon": lon,
                "lat": lat,
                "title": stop.title,
                "why": stop.why,
                "look_at": stop.look_at,
                "comments": comments,
                "photos": photos,
                "ticked": stop.ticked_at is not None,
            }
        )
    return {
        "walk": walk.join_code,
        "inputs": walk.plan or {},
        "route": route,
        "length_m": round(walk.route.length, 1) if walk.route else 0.0,
        "stops": stops,
    }


def _published_pins(ids) -> dict[int, tuple[list[str], list[str]]]:
    """The published description and photo links of each of these resident pins (nothing of
    a pin not published, never contact data)."""
    pins = ResidentPin.objects.filter(pk__in=[i for i in ids if i is not None], published=True)
    return {
        pin.pk: (
            [pin.description] if pin.description else [],
            [photo.image.url for photo in pin.photos.order_by("pk") if photo.image],
        )
        for pin in pins.prefetch_related("photos")
    }

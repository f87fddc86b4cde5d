"""A server-drawn map of a walk: the street lines of its area, the route and the numbered stops,
as the parts of an SVG (a template draws them).

Printed pages and the public results page use it: a browser prints an SVG as it shows it, where
a map canvas often prints blank, and it needs no script. Coordinates are those of the storage
CRS (``settings.TRYGG_SRID``, metres), scaled into the picture with north up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiPoint, Polygon

from layers.models import StreetSegment

#: The picture's size in SVG units (its aspect ratio; it scales to the page's width).
WIDTH = 800
HEIGHT = 560
#: Metres of street network drawn around the route and the stops.
MARGIN_M = 120
#: At most this many street segments are drawn (a district of a city has fewer).
MAX_SEGMENTS = 4000


@dataclass
class WalkMap:
    """What the SVG template draws: ``streets`` and ``route`` are path data ("M x y L x y"),
    ``stops`` are ``(x, y, number, ticked)``; ``start``, ``end`` are ``(x, y)`` or None. The
    coordinates are text already (a dot, whatever the page's language would make of a
    number)."""

    width: int = WIDTH
    height: int = HEIGHT
    streets: list[str] = field(default_factory=list)
    route: str = ""
    stops: list[tuple[str, str, int, bool]] = field(default_factory=list)
    start: tuple[str, str] | None = None
    end: tuple[str, str] | None = None

    @property
    def empty(self) -> bool:
        return not (self.route or self.stops)


def _path(coords, project) -> str:
    points = [project(x, y) for x, y in coords]
    if len(points) < 2:
        return ""
    head, *rest = points
    return f"M{head[0]:.1f} {head[1]:.1f}" + "".join(f"L{x:.1f} {y:.1f}" for x, y in rest)


def walk_map(walk, stops) -> WalkMap:
    """The map of `walk` (its route) and `stops` (WalkStop rows, or anything with ``geom``,
    ``order`` and ``ticked_at``); an empty map where there is neither route nor stop."""
    shapes: list[GEOSGeometry] = []
    if walk.route is not None:
        shapes.append(walk.route)
    points = [stop.geom for stop in stops]
    if points:
        shapes.append(MultiPoint(points, srid=points[0].srid))
    if not shapes:
        return WalkMap()
    west = min(s.extent[0] for s in shapes) - MARGIN_M
    south = min(s.extent[1] for s in shapes) - MARGIN_M
    east = max(s.extent[2] for s in shapes) + MARGIN_M
    north = max(s.extent[3] for s in shapes) + MARGIN_M
    scale = min(WIDTH / (east - west), HEIGHT / (north - south))
    # Centre the area in the picture.
    dx = (WIDTH - (east - west) * scale) / 2
    dy = (HEIGHT - (north - south) * scale) / 2

    def project(x: float, y: float) -> tuple[float, float]:
        return (x - west) * scale + dx, (north - y) * scale + dy

    box = Polygon.from_bbox((west, south, east, north))
    box.srid = settings.TRYGG_SRID
    segments = StreetSegment.objects.filter(
        municipality_id=walk.municipality_id, geom__intersects=box
    ).values_list("geom", flat=True)[:MAX_SEGMENTS]
    drawn = WalkMap(streets=[p for p in (_path(g.coords, project) for g in segments) if p])
    if walk.route is not None:
        drawn.route = _path(walk.route.coords, project)
        route: LineString = walk.route
        drawn.start = _text(project(*route.coords[0]))
        drawn.end = _text(project(*route.coords[-1]))
    drawn.stops = [
        (*_text(project(stop.geom.x, stop.geom.y)), stop.order, stop.ticked_at is not None)
        for stop in stops
    ]
    return drawn


def _text(point: tuple[float, float]) -> tuple[str, str]:
    return f"{point[0]:.1f}", f"{point[1]:.1f}"

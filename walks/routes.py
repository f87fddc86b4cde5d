"""A walk's planned route from an uploaded GPX or GeoJSON file, or from a line drawn on a map.

Routes arrive in WGS 84 (GPX and RFC 7946 GeoJSON both are); `parse_route` returns one GEOS
LineString in WGS 84 that the caller transforms to the storage CRS. The nesting depth of the
text is measured before any parser sees it (`gis.core.uploads`; `TRYGG_ROUTE_MAX_DEPTH`
levels), so a deeply nested file is a `RouteError`, never a RecursionError.
"""

from __future__ import annotations

import json

import gpxpy
import gpxpy.gpx
from django.contrib.gis.geos import GEOSException, GEOSGeometry, LineString
from django.utils.translation import gettext as _

from gis.core import conf
from gis.core.uploads import NestingError, check_json_depth, check_xml_depth

MAX_ROUTE_BYTES = 5 * 1024 * 1024
MAX_VERTICES = 20_000


class RouteError(ValueError):
    """A route that cannot be read; the message is safe to show."""


def _gpx_points(data: bytes) -> list[tuple[float, float]]:
    try:
        gpx = gpxpy.parse(data.decode("utf-8", errors="replace"))
    except (gpxpy.gpx.GPXException, ValueError) as error:
        raise RouteError(_("The GPX file cannot be read: %(error)s") % {"error": error}) from None
    points = [
        (point.longitude, point.latitude)
        for track in gpx.tracks
        for segment in track.segments
        for point in segment.points
    ]
    if len(points) < 2:
        points = [(p.longitude, p.latitude) for route in gpx.routes for p in route.points]
    if len(points) < 2:
        points = [(p.longitude, p.latitude) for p in gpx.waypoints]
    return points


def _geojson_lines(value) -> list[list]:
    if not isinstance(value, dict):
        return []
    kind = value.get("type")
    if kind == "FeatureCollection":
        return [line for feature in value.get("features") or [] for line in _geojson_lines(feature)]
    if kind == "Feature":
        return _geojson_lines(value.get("geometry"))
    if kind == "LineString":
        return [value.get("coordinates") or []]
    if kind == "MultiLineString":
        return list(value.get("coordinates") or [])
    if kind == "GeometryCollection":
        return [line for part in value.get("geometries") or [] for line in _geojson_lines(part)]
    return []


def _geojson_points(data: bytes) -> list[tuple[float, float]]:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise RouteError(_("The file is neither GPX nor GeoJSON.")) from None
    lines = _geojson_lines(value)
    if not lines:
        raise RouteError(_("The GeoJSON holds no line to use as the route."))
    points: list[tuple[float, float]] = []
    for line in lines:
        for position in line:
            if not isinstance(position, list | tuple) or len(position) < 2:
                raise RouteError(_("The GeoJSON has malformed coordinates."))
            point = (position[0], position[1])
            if not points or points[-1] != point:
                points.append(point)
    return points


def parse_route(data: bytes | str, filename: str = "") -> LineString:
    """Read a route from GPX (tracks, else routes, else waypoints in order) or GeoJSON
    (LineString, MultiLineString, Feature or FeatureCollection; parts joined in order).

    Parameters
    ----------
    data
        The file's content.
    filename
        Its name; ".gpx" or content starting with "<" is read as GPX.

    Returns
    -------
    LineString
        The route in WGS 84 (SRID 4326), longitude/latitude degrees.

    Raises
    ------
    RouteError
        When the file cannot be read or holds no usable line (message safe to show).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_ROUTE_BYTES:
        raise RouteError(_("The route file is too large."))
    is_gpx = filename.lower().endswith(".gpx") or data.lstrip()[:1] == b"<"
    limit = int(conf.setting("TRYGG_ROUTE_MAX_DEPTH"))
    try:
        (check_xml_depth if is_gpx else check_json_depth)(data, limit)
    except NestingError as error:
        raise RouteError(str(error)) from None
    points = _gpx_points(data) if is_gpx else _geojson_points(data)
    if len(points) < 2:
        raise RouteError(_("A route needs at least two points."))
    if len(points) > MAX_VERTICES:
        raise RouteError(_("The route has too many points."))
    for lon, lat in points:
        ok = all(isinstance(c, int | float) and not isinstance(c, bool) for c in (lon, lat))
        if not ok or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise RouteError(_("Coordinates must be longitude/latitude in WGS 84 degrees."))
    try:
        return LineString(points, srid=4326)
    except (GEOSException, TypeError, ValueError):
        raise RouteError(_("The route is not a valid line.")) from None


def route_from_text(text: str) -> GEOSGeometry:
    """A route drawn on the map: GeoJSON text of a LineString in WGS 84."""
    return parse_route(text.encode("utf-8"), "drawn.geojson")

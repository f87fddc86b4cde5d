"""The viewshed of a camera as a GEOS polygon in the installation's CRS."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Polygon


def sector_ring(
    x: float, y: float, direction_deg: float | None, fov_deg: float, range_m: float, steps: int = 32
) -> list[tuple[float, float]]:
    """Ring of a circular sector in metres (direction clockwise from north; None = full circle)."""
    if direction_deg is None or fov_deg >= 360:
        angles = [2 * math.pi * i / steps for i in range(steps)]
        ring = [(x + range_m * math.sin(a), y + range_m * math.cos(a)) for a in angles]
        return [*ring, ring[0]]
    start = math.radians(direction_deg - fov_deg / 2)
    span = math.radians(fov_deg)
    arc = [start + span * i / steps for i in range(steps + 1)]
    ring = [(x, y)] + [(x + range_m * math.sin(a), y + range_m * math.cos(a)) for a in arc]
    return [*ring, (x, y)]


def camera_viewshed(camera) -> Polygon | None:
    """The sector a camera sees, ignoring occlusion by buildings (not in the data)."""
    if camera.geom is None:
        return None
    ring = sector_ring(
        camera.geom.x, camera.geom.y, camera.direction_deg, camera.fov_deg, camera.range_m
    )
    return Polygon(ring, srid=camera.geom.srid)

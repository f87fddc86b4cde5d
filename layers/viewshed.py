"""The stored viewshed of a camera: the engine's sector as a GEOS polygon (Django-side glue).

The geometry itself is :func:`gis.priority.cameras.viewshed`, the same function the priority
engine measures camera coverage with; this module only reads the model's fields and returns a
polygon in the camera's SRID (the storage CRS, metres).
"""

from __future__ import annotations

import shapely
from django.contrib.gis.geos import GEOSGeometry, Polygon

from gis.priority.cameras import viewshed


def camera_viewshed(camera) -> Polygon | None:
    """The sector a camera sees, ignoring occlusion by buildings (not in the data).

    Parameters
    ----------
    camera : layers.models.Camera
        Its ``geom`` (storage CRS, metres), ``direction_deg`` (None = all round), ``fov_deg``
        and ``range_m``.

    Returns
    -------
    django.contrib.gis.geos.Polygon or None
        None when the camera has no location yet.
    """
    if camera.geom is None:
        return None
    shape = viewshed(
        camera.geom.x,
        camera.geom.y,
        direction_deg=camera.direction_deg,
        fov_deg=camera.fov_deg,
        range_m=camera.range_m,
    )
    return GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=camera.geom.srid)

"""The camera layer stores the same viewshed the priority engine measures coverage with."""

import pytest
import shapely
from django.contrib.gis.geos import Point

from gis import frames
from gis.priority.cameras import viewsheds
from gis.priority.params import PriorityParams
from layers.models import Camera


def _stored(camera: Camera) -> shapely.Polygon:
    camera.refresh_from_db()
    return shapely.from_wkb(bytes(camera.viewshed.wkb))


@pytest.mark.parametrize(
    "fields",
    [
        {"direction_deg": 350.0, "fov_deg": 40.0, "range_m": 25.0},  # a sector across north
        {"direction_deg": 90.0, "fov_deg": 360.0, "range_m": 30.0},  # directed, all round
        {"direction_deg": None, "fov_deg": 90.0, "range_m": 20.0},  # no direction
    ],
)
def test_layer_and_priority_engine_give_the_same_viewshed(demo, fields):
    """A camera saved through the model (the map's layer) and the same camera read by the
    priority engine's adapter get one polygon, to the last coordinate."""
    srid = demo.boundary.srid
    centre = demo.boundary.centroid
    camera = Camera.objects.create(
        municipality=demo,
        source="test",
        source_id="viewshed-parity",
        geom=Point(centre.x, centre.y, srid=srid),
        **fields,
    )
    cams = frames.cameras(demo).set_index("id")
    engine = viewsheds(cams, quad_segs=PriorityParams().camera_quad_segs).loc[camera.pk]
    stored = _stored(camera)
    assert stored.geom_type == "Polygon"
    assert shapely.equals_exact(stored, engine, tolerance=0)
    assert stored.contains(shapely.Point(centre.x, centre.y)) or stored.touches(
        shapely.Point(centre.x, centre.y)
    )


def test_every_imported_camera_has_the_engine_viewshed(demo):
    cams = frames.cameras(demo).set_index("id")
    engine = viewsheds(cams, quad_segs=PriorityParams().camera_quad_segs)
    stored = {
        pk: shapely.from_wkb(bytes(shed.wkb))
        for pk, shed in Camera.objects.filter(municipality=demo).values_list("pk", "viewshed")
    }
    assert len(stored) == len(cams) > 0
    assert all(shapely.equals_exact(stored[pk], engine.loc[pk], tolerance=0) for pk in stored)

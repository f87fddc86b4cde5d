"""The dashboard's details name places as people do, in Debian's Chromium: a click on a street
without a name shows "Gångväg vid …" with the segment's id among the details, a click on a hot
spot the place at the cell's centre (layers.naming, gis.hotspots.places)."""

from __future__ import annotations

import pytest
import shapely

from tests.conftest import screenshot

from .conftest import orm_access
from .test_browser import login, wait_for_map

pytestmark = pytest.mark.browser

PARK = "Töölönlahden puisto"


def _park_footway(django_db_blocker) -> tuple[int, float, float]:
    """A lit demo footway without a name near the park: its id and midpoint (lon, lat)."""
    from layers.models import StreetSegment

    with orm_access(django_db_blocker):
        segment = (
            StreetSegment.objects.filter(
                name="", highway="footway", near_name=PARK, lit__in=["yes", "24/7"]
            )
            .order_by("-length_m")
            .first()
        )
        middle = segment.geom.interpolate_normalized(0.5).transform(4326, clone=True)
        return segment.pk, middle.x, middle.y


def _click_centre(page) -> None:
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_street_and_a_hot_spot_are_named_by_their_places(
    live_url, desktop, browser_users, django_db_blocker
):
    pk, lon, lat = _park_footway(django_db_blocker)
    errors = login(desktop, live_url, browser_users["planner"])
    # A report layer must be on (the map's clusters count them): none from a future date.
    desktop.goto(f"{live_url}/dashboard/?layers=lighting,pins&from=2040-01-01#19/{lat}/{lon}")
    wait_for_map(desktop)
    _click_centre(desktop)
    desktop.wait_for_selector("#detail dl")
    assert desktop.inner_text("#detail h2") == f"Gångväg vid {PARK}"
    details = desktop.inner_text("#detail dl")
    assert "Segment-id" in details and str(pk) in details
    screenshot(desktop, "dashboard-street-named")

    # Hot spots of the incidents, with the pins' layer on and empty: nothing else to hit.
    cells = desktop.evaluate(
        "() => fetch('/api/dashboard/hotspots/?lang=sv&source=incident')"
        ".then((answer) => answer.json())"
    )["features"]
    hot = max(
        (c for c in cells if c["properties"]["gi_bin"] == 3 and c["properties"]["place"]),
        key=lambda c: c["properties"]["z"],
    )
    centre = shapely.geometry.shape(hot["geometry"]).centroid
    desktop.goto(
        f"{live_url}/dashboard/?source=incident&layers=hotspots,pins#18/{centre.y}/{centre.x}"
    )
    wait_for_map(desktop)
    desktop.wait_for_function(
        "() => window.tryggMap.querySourceFeatures('hotspots').length > 0", timeout=30_000
    )
    _click_centre(desktop)
    desktop.wait_for_selector("#detail dl")
    assert desktop.inner_text("#detail h2") == hot["properties"]["place"]
    # The cell's confidence moves up beside the kind of layer.
    assert desktop.inner_text("#detail .kind") == "Brännpunkter (Gi*) · Brännpunkt, konfidens 99 %"
    screenshot(desktop, "dashboard-hotspot-named")
    assert not errors

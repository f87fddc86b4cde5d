"""Fixtures of the layer tests."""

from __future__ import annotations

import geopandas as gpd
import pytest

from tests.layers._import_files import demo_places


@pytest.fixture
def places(demo) -> gpd.GeoSeries:
    """Six points well inside the demo municipality, 30 m apart, in the storage CRS."""
    return demo_places(demo)

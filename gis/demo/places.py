"""The demo's planted hotspots, recomputed from a loaded municipality's street segments."""

from __future__ import annotations

import geopandas as gpd

from gis import frames
from gis.core.models import Municipality
from gis.demo.generate import planted_places
from gis.demo.plan import PLANTED


def demo_places(municipality: Municipality) -> gpd.GeoDataFrame:
    """The planted places of the demo in the storage CRS (metres).

    Parameters
    ----------
    municipality : gis.core.models.Municipality
        The loaded demo municipality.

    Returns
    -------
    geopandas.GeoDataFrame
        key, category, expected (ArcGIS emerging hot spot category), when, segment_id,
        fixed_at_month and the place's point, in :data:`gis.demo.plan.PLANTED` order.
    """
    segments = frames.segments(municipality)
    if segments.empty:
        raise ValueError(f"municipality {municipality} has no street segments")
    places = planted_places(segments, frames.green_areas(municipality))
    plans = {plan.key: plan for plan in PLANTED}
    places["when"] = places["key"].map(lambda key: plans[key].when)
    places["fixed_at_month"] = places["key"].map(lambda key: plans[key].fixed_at_month)
    return places

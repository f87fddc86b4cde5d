"""Hot-spot cells named for people: each cell by the place at its centre.

A cell is named as the nearest street segment to its centre that has a name or a named place
nearby ("Mannerheimintie 12–20", "Gångväg vid Töölönlahden puisto"; see
:func:`layers.naming.names_at`), in the active language, when the cells are shown: cells are
cached and stored without words, so the same cell reads in Swedish or English.
"""

from __future__ import annotations

from collections.abc import Mapping

from gis.core.lazy import lazy_module
from layers import naming

shapely = lazy_module("shapely")


def with_places(collection: Mapping, municipality_id: int) -> dict:
    """A GeoJSON FeatureCollection of cells (WGS 84) with each feature's ``place`` property
    set ("" where no named place lies within reach); the other members are kept as they are."""
    features = list(collection.get("features") or [])
    centres = [shapely.geometry.shape(f["geometry"]).centroid for f in features]
    names = naming.names_at(municipality_id, [(c.x, c.y) for c in centres], srid=4326)
    named = [
        {**feature, "properties": {**feature["properties"], "place": name}}
        for feature, name in zip(features, names, strict=True)
    ]
    return {**collection, "features": named}

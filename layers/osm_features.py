"""One reader of tagged OpenStreetMap features (pyrosm for .osm.pbf, osmnx for .osm XML), shared
by the basemap (:mod:`layers.basemap_osm`) and the properties (:mod:`layers.osm_properties`).

A :class:`FeatureReader` is given the tag filter the extract is read by and a classifier that
turns one feature's tags and geometry into a record (or None to drop it). The result is a
GeoDataFrame in WGS 84 with a ``source_id`` ("way/123") and the classifier's columns; a
feature met twice (the same id) is kept once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

WGS84 = "EPSG:4326"

#: tags, shapely geometry → (the record's columns but ``source_id``, the geometry to keep), or
#: None when the feature is not one of the layer's.
Classifier = Callable[[dict, object], "tuple[dict, object] | None"]


@dataclass(frozen=True)
class FeatureReader:
    """How one layer is read from an extract: by `filter` (OSM key → values, or True for any
    value), with the tags of `keys` taken from pyrosm's columns, each feature classified by
    `classify`; `empty` makes the frame of no rows (with the layer's columns)."""

    filter: dict
    keys: tuple[str, ...]
    classify: Classifier
    empty: Callable[[], gpd.GeoDataFrame]

    def read_pbf(self, osm) -> gpd.GeoDataFrame:
        """The layer's features of a `pyrosm.OSM` extract."""
        frame = osm.get_data_by_custom_criteria(custom_filter=self.filter)
        if frame is None or len(frame) == 0:
            return self.empty()
        rows = [
            (f"{row['osm_type']}/{row['id']}", self._row_tags(row), geometry)
            for row, geometry in zip(
                frame.drop(columns="geometry").to_dict("records"), frame.geometry, strict=True
            )
        ]
        return self._classified(rows)

    def read_xml(self, path: Path) -> gpd.GeoDataFrame:
        """The layer's features of an .osm XML file (with osmnx)."""
        import osmnx as ox

        try:
            found = ox.features_from_xml(path, tags=self.filter).reset_index()
        except Exception:  # osmnx raises when no feature matches
            return self.empty()
        rows = []
        for row, geometry in zip(
            found.drop(columns="geometry").to_dict("records"), found.geometry, strict=True
        ):
            tags = {
                k: v for k, v in row.items() if isinstance(v, str) and k not in {"element", "id"}
            }
            rows.append((f"{row['element']}/{row['id']}", tags, geometry))
        return self._classified(rows)

    def _row_tags(self, row: dict) -> dict:
        tags = row.get("tags")
        if isinstance(tags, str):
            try:
                tags = json.loads(tags)
            except ValueError:
                tags = {}
        tags = dict(tags) if isinstance(tags, dict) else {}
        for key in self.keys:
            if isinstance(row.get(key), str):
                tags.setdefault(key, row[key])
        return tags

    def _classified(self, rows: list[tuple[str, dict, object]]) -> gpd.GeoDataFrame:
        """(source_id, tags, shapely geometry) rows, classified; the unclassified dropped."""
        records, geometries, seen = [], [], set()
        for source_id, tags, geometry in rows:
            if geometry is None or geometry.is_empty or source_id in seen:
                continue
            found = self.classify(tags, geometry)
            if found is None:
                continue
            seen.add(source_id)
            record, geometry = found
            records.append({"source_id": source_id, **record})
            geometries.append(geometry)
        if not records:
            return self.empty()
        return gpd.GeoDataFrame(pd.DataFrame.from_records(records), geometry=geometries, crs=WGS84)

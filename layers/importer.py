"""Write layers read from OpenStreetMap into the database, idempotently.

Records are keyed by (municipality, source="osm", source_id): a re-import updates geometry and
OSM attributes in place, adds what is new and removes what vanished from the extract, and
never touches what staff maintain (a lamp's working/broken status, say). Once the layers are
in, the parts of the places' names are computed from them and the extract's squares and
addresses (:mod:`layers.placenames`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from gis.core.models import Municipality
from layers import placenames
from layers.models import (
    BasemapFeature,
    Camera,
    GreenArea,
    Property,
    StreetLamp,
    StreetSegment,
    Vegetation,
)
from layers.osm import OsmLayers
from layers.properties import link_incidents

SOURCE = "osm"


@dataclass
class ImportReport:
    """What one import did, per layer: created, updated, deleted, skipped (outside the area);
    and how many places are named after a place nearby or have house numbers."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        parts = []
        for layer, c in self.counts.items():
            text = f"{layer}: {c['total']} (+{c['created']} ~{c['updated']} -{c['deleted']}"
            text += f", {c['skipped']} outside)" if c["skipped"] else ")"
            parts.append(text)
        if self.names:
            parts.append(
                f"named after a place nearby: {self.names['segments_named_nearby']} segment(s), "
                f"{self.names['green_areas_named_nearby']} green area(s); house numbers: "
                f"{self.names['segments_with_house_numbers']} segment(s)"
            )
        return "; ".join(parts)


def boundary_from_layers(layers: OsmLayers, margin_m: float = 50.0) -> MultiPolygon:
    """A municipality boundary for a bare extract: the envelope of its streets plus a margin."""
    streets = layers.segments.to_crs(settings.TRYGG_SRID)
    xmin, ymin, xmax, ymax = streets.total_bounds
    polygon = GEOSGeometry(
        f"POLYGON(({xmin - margin_m} {ymin - margin_m}, {xmax + margin_m} {ymin - margin_m}, "
        f"{xmax + margin_m} {ymax + margin_m}, {xmin - margin_m} {ymax + margin_m}, "
        f"{xmin - margin_m} {ymin - margin_m}))",
        srid=settings.TRYGG_SRID,
    )
    return MultiPolygon(polygon, srid=settings.TRYGG_SRID)


@transaction.atomic
def import_layers(municipality: Municipality, layers: OsmLayers) -> ImportReport:
    """Upsert every layer of `layers` into `municipality`; returns what changed."""
    report = ImportReport()
    boundary = municipality.boundary

    def rows(frame: gpd.GeoDataFrame):
        projected = frame.to_crs(settings.TRYGG_SRID)
        for record, geometry in zip(
            projected.drop(columns="geometry").to_dict("records"), projected.geometry, strict=True
        ):
            if not geometry.is_valid and geometry.geom_type in {"Polygon", "MultiPolygon"}:
                geometry = geometry.buffer(0)  # repairs OSM's self-touching rings
            geom = GEOSGeometry(memoryview(geometry.wkb), srid=settings.TRYGG_SRID)
            yield record, geom

    def upsert(model, frame: gpd.GeoDataFrame, name: str, attributes) -> None:
        existing = {
            obj.source_id: obj
            for obj in model.objects.filter(municipality=municipality, source=SOURCE)
        }
        created, updated, skipped, fields = [], [], 0, {"geom"}
        for record, geom in rows(frame):
            if model in (GreenArea, Property) and geom.geom_type == "Polygon":
                geom = MultiPolygon(geom, srid=geom.srid)
            if geom.empty or not boundary.intersects(geom):
                skipped += 1
                continue
            values = {"geom": geom, **attributes(record)}
            fields.update(values)
            obj = existing.pop(record["source_id"], None)
            if obj is None:
                obj = model(municipality=municipality, source=SOURCE, source_id=record["source_id"])
                created.append(obj)
            else:
                updated.append(obj)
            for key, value in values.items():
                setattr(obj, key, value)
        stale = [obj.pk for obj in existing.values()]  # in the database, gone from the extract
        model.objects.filter(pk__in=stale).delete()
        if model is Camera:  # its save() derives the viewshed
            for obj in created + updated:
                obj.save()
        else:
            model.objects.bulk_create(created, batch_size=1000)
            model.objects.bulk_update(updated, sorted(fields), batch_size=1000)
        report.counts[name] = {
            "total": len(created) + len(updated),
            "created": len(created),
            "updated": len(updated),
            "deleted": len(stale),
            "skipped": skipped,
        }

    upsert(StreetSegment, layers.segments, "segments", _segment)
    upsert(StreetLamp, layers.lamps, "lamps", lambda r: {})
    upsert(Vegetation, layers.vegetation, "vegetation", _vegetation)
    upsert(
        GreenArea, layers.green_areas, "green_areas", lambda r: {"name": _text(r.get("name"), 200)}
    )
    upsert(Camera, layers.cameras, "cameras", _camera)
    upsert(BasemapFeature, layers.basemap, "basemap", _basemap)
    # OSM's schools, libraries, sports halls …: an approximation of the property register.
    upsert(Property, layers.properties, "properties", _property)
    link_incidents(municipality.pk)
    report.names = placenames.fill(
        municipality.pk, squares=layers.squares, addresses=layers.addresses
    )
    return report


def _basemap(record: dict) -> dict:
    return {
        "layer": record["layer"],
        "kind": _text(record.get("kind"), 32),
        "name": _text(record.get("name"), 200),
    }


def _property(record: dict) -> dict:
    return {"name": _text(record.get("name"), 200), "kind": record["kind"]}


def _text(value, limit: int) -> str:
    """A string field from a frame value that may be None or NaN."""
    return value[:limit] if isinstance(value, str) else ""


def _segment(record: dict) -> dict:
    lit = record.get("lit")
    lit = lit if lit in {"yes", "no", "24/7", "limited"} else ""
    osm_id = record.get("osm_id")
    return {
        "osm_id": None if osm_id is None or osm_id != osm_id else int(osm_id),
        "u": int(record["u"]),
        "v": int(record["v"]),
        "highway": _text(record.get("highway"), 32),
        "lit": lit,
        "name": _text(record.get("name"), 200),
        "length_m": float(record["length_m"]),
    }


def _vegetation(record: dict) -> dict:
    height = record.get("height_m")
    return {
        "kind": record["kind"],
        "height_m": None if height is None or height != height else float(height),
        # Scrub and hedges grow at eye level; OSM does not say more.
        "blocks_sightline": record["kind"] in {"scrub", "hedge"},
    }


def _camera(record: dict) -> dict:
    direction = record.get("direction_deg")
    directed = direction is not None and direction == direction
    return {
        "direction_deg": float(direction) % 360 if directed else None,
        "fov_deg": 90.0 if directed else 360.0,
        "range_m": 30.0 if directed else 20.0,
        "operator": _text(record.get("operator"), 100),
    }

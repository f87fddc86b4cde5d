"""A campaign's summary for its pages: `gis.campaigns.summary.summarise` over the campaign's
features, answers and the street segments of its area, with the places named and everything the
maps draw as GeoJSON in WGS 84."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from gis.campaigns.export import answers_frame, features_frame
from gis.campaigns.models import Campaign, question_text
from gis.core.lazy import lazy_attribute, lazy_module
from gis.core.vocabulary import WhenUnsafe
from gis.frames import frame
from layers.models import StreetSegment
from layers.naming import names_at
from walks.models import Category

gpd = lazy_module("geopandas")
shapely_points = lazy_attribute("shapely", "points")
mapping = lazy_attribute("shapely.geometry", "mapping")
summarise = lazy_attribute("gis.campaigns.summary", "summarise")
streets_avoided = lazy_attribute("gis.campaigns.summary", "streets_avoided")


def _collection(geometries, properties: list[dict]) -> dict:
    """A FeatureCollection in WGS 84 of storage-CRS geometries with their properties."""
    series = gpd.GeoSeries(list(geometries), crs=settings.TRYGG_SRID).to_crs(4326)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": mapping(geometry), "properties": props}
            for geometry, props in zip(series, properties, strict=True)
        ],
    }


def _segments(campaign: Campaign):
    region = campaign.region
    if region is None:
        return None
    queryset = StreetSegment.objects.filter(
        municipality_id=campaign.municipality_id, geom__intersects=region
    )
    return frame(queryset, "id", "name")


def campaign_summary(campaign: Campaign, *, published_only: bool = True) -> dict:
    """What the staff page (all features) and the public results page (published only) show:
    ``responses``, ``counts``, ``questions`` (with their text), ``places`` (named, WGS 84),
    ``segments`` (streets the avoided ways follow) and the map's collections ``heat``,
    ``points``, ``ways``, ``areas``, ``places``."""
    features = features_frame(campaign, published_only=published_only)
    result = summarise(features, answers_frame(campaign), campaign.questions, _segments(campaign))
    names = {c.code: c.name for c in Category.objects.all()}
    whens = dict(WhenUnsafe.choices)
    for entry, question in zip(result["questions"], campaign.questions, strict=True):
        entry["text"] = question_text(question)
    places = result["places"]
    place_names = names_at(campaign.municipality_id, [(p["x"], p["y"]) for p in places])
    for place, name in zip(places, place_names, strict=True):
        place["name"] = name or _("Unnamed place")
        place["category_names"] = [names.get(code, code) for code in place["categories"]]
        place["when_label"] = str(whens.get(place["when"], ""))
    place_points = shapely_points([(p["x"], p["y"]) for p in places]) if places else []
    heat = result["heat"]
    heat_points = shapely_points([(c["x"], c["y"]) for c in heat]) if heat else []
    by_kind = {
        kind: features[features["kind"] == kind]
        for kind in ("point", "avoided_way", "avoided_place")
    }

    def kind_collection(kind: str) -> dict:
        part = by_kind[kind]
        props = [
            {"category": c, "when": w} for c, w in zip(part["category"], part["when"], strict=True)
        ]
        return _collection(part.geometry, props)

    segments = result["segments"]
    unnamed = [s for s in segments if not s["name"]]
    if unnamed:
        middles = [s["geometry"].interpolate(0.5, normalized=True) for s in unnamed]
        found = names_at(campaign.municipality_id, [(p.x, p.y) for p in middles])
        for segment, name in zip(unnamed, found, strict=True):
            segment["name"] = name
    return {
        "responses": result["responses"],
        "counts": result["counts"],
        "questions": result["questions"],
        "places": [{k: v for k, v in place.items() if k not in ("x", "y")} for place in places],
        "segments": [
            {k: v for k, v in s.items() if k not in ("geometry", "followers")} for s in segments
        ],
        "streets": streets_avoided(segments),
        "map": {
            "heat": _collection(heat_points, [{"value": c["value"]} for c in heat]),
            "points": kind_collection("point"),
            "ways": kind_collection("avoided_way"),
            "areas": kind_collection("avoided_place"),
            "places": _collection(
                place_points,
                [
                    {"name": p["name"], "answers": p["answers"], "rank": i + 1}
                    for i, p in enumerate(places)
                ],
            ),
            "segments": _collection(
                [s["geometry"] for s in segments],
                [{"ways": s["ways"], "name": s["name"]} for s in segments],
            ),
        },
    }

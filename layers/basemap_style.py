"""The basemap's MapLibre style (version 8) in Trygg's design: calm, light and low in
saturation, so the data drawn on top (reports, lamps, lighting, hot spots) stands out.

Without `TRYGG_BASEMAP_URL` the style draws the vector tiles of :mod:`layers.basemap`
(source ``basemap``) with labels in the self-hosted glyphs under
``static/basemap/glyphs/`` (DejaVu Sans). With it, the source ``basemap`` is that raster XYZ
template instead (attributed with `TRYGG_BASEMAP_ATTRIBUTION`). Every layer id starts with
``basemap-`` so a page can put its own layers on top.
"""

from __future__ import annotations

from layers import basemap

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
FONT = ["DejaVu Sans Book"]
FONT_BOLD = ["DejaVu Sans Bold"]

BACKGROUND = "#f4f2ee"
LANDUSE = "#ece9e3"
PARK = "#dde9d5"
WATER = "#c9dce8"
BUILDING = "#e3dfd8"
BUILDING_LINE = "#d3cdc4"
RAIL = "#b7b2aa"
ROAD = "#ffffff"
ROAD_CASING = "#d9d5ce"
PATH = "#e2ded7"
TEXT = "#4c525a"
PLACE_TEXT = "#3d434b"
HALO = "#ffffff"


def _width(minor: float, major: float, minor17: float, major17: float) -> list:
    return [
        "interpolate",
        ["linear"],
        ["zoom"],
        12,
        ["case", ["get", "minor"], minor, major],
        17,
        ["case", ["get", "minor"], minor17, major17],
    ]


#: Place classes labelled in bold: the parts of a town (suburb, quarter, neighbourhood).
AREAS = ["in", ["get", "class"], ["literal", ["suburb", "quarter", "neighbourhood"]]]


def _place_label(layer_id: str, filter_: list, font: list[str], size: float) -> dict:
    """A label layer of the named places (squares, parks; suburbs and quarters in bold)."""
    return {
        "id": layer_id,
        "type": "symbol",
        "source": "basemap",
        "source-layer": "place_label",
        "filter": filter_,
        "layout": {
            "text-field": ["get", "name"],
            "text-font": font,
            "text-size": ["interpolate", ["linear"], ["zoom"], 13, size, 17, size + 3],
            "text-max-width": 8,
            "text-padding": 4,
        },
        "paint": {"text-color": PLACE_TEXT, "text-halo-color": HALO, "text-halo-width": 1.5},
    }


def vector_layers() -> list[dict]:
    """The style layers of the vector basemap, bottom to top."""
    src = {"source": "basemap"}
    return [
        {
            "id": "basemap-background",
            "type": "background",
            "paint": {"background-color": BACKGROUND},
        },
        {
            "id": "basemap-landuse",
            "type": "fill",
            **src,
            "source-layer": "landuse",
            "paint": {"fill-color": LANDUSE},
        },
        {
            "id": "basemap-park",
            "type": "fill",
            **src,
            "source-layer": "park",
            "paint": {"fill-color": PARK},
        },
        {
            "id": "basemap-water",
            "type": "fill",
            **src,
            "source-layer": "water",
            "paint": {"fill-color": WATER},
        },
        {
            "id": "basemap-rail",
            "type": "line",
            **src,
            "source-layer": "rail",
            "paint": {
                "line-color": RAIL,
                "line-width": ["interpolate", ["linear"], ["zoom"], 12, 0.6, 17, 1.6],
                "line-dasharray": [3, 2],
            },
        },
        {
            "id": "basemap-road-casing",
            "type": "line",
            **src,
            "source-layer": "road",
            "filter": ["!", ["get", "minor"]],
            "layout": {"line-cap": "round", "line-join": "round"},
            "paint": {"line-color": ROAD_CASING, "line-width": _width(0, 2, 0, 12)},
        },
        {
            "id": "basemap-road",
            "type": "line",
            **src,
            "source-layer": "road",
            "layout": {"line-cap": "round", "line-join": "round"},
            "paint": {
                "line-color": ["case", ["get", "minor"], PATH, ROAD],
                "line-width": _width(0.4, 1.2, 1.8, 9),
            },
        },
        {
            "id": "basemap-building",
            "type": "fill",
            **src,
            "source-layer": "building",
            "minzoom": 13,
            "paint": {
                "fill-color": BUILDING,
                "fill-outline-color": BUILDING_LINE,
                "fill-opacity": ["interpolate", ["linear"], ["zoom"], 13, 0.4, 15, 1],
            },
        },
        {
            "id": "basemap-road-label",
            "type": "symbol",
            **src,
            "source-layer": "road_label",
            "minzoom": 14,
            "layout": {
                "symbol-placement": "line",
                "text-field": ["get", "name"],
                "text-font": FONT,
                "text-size": [
                    "interpolate",
                    ["linear"],
                    ["zoom"],
                    14,
                    ["case", ["get", "minor"], 10, 11],
                    17,
                    ["case", ["get", "minor"], 12, 14],
                ],
                "text-max-angle": 40,
                "symbol-spacing": 300,
            },
            "paint": {"text-color": TEXT, "text-halo-color": HALO, "text-halo-width": 1.5},
        },
        _place_label("basemap-place-label", ["!", AREAS], FONT, 11),
        _place_label("basemap-area-label", AREAS, FONT_BOLD, 13),
    ]


def style(
    origin: str,
    tiles_path: str,
    glyphs_path: str,
    raster_url: str = "",
    raster_attribution: str = "",
) -> dict:
    """The style: `origin` ("https://host") makes the tile and glyph URLs absolute; with
    `raster_url` (an XYZ template) the basemap is that raster instead of the vector tiles."""
    document: dict = {
        "version": 8,
        "name": "Trygg basemap",
        "glyphs": origin + glyphs_path,
        "sources": {},
        "layers": [],
    }
    if raster_url:
        document["sources"]["basemap"] = {
            "type": "raster",
            "tiles": [raster_url],
            "tileSize": 256,
            "attribution": raster_attribution,
        }
        document["layers"] = [
            {
                "id": "basemap-background",
                "type": "background",
                "paint": {"background-color": BACKGROUND},
            },
            {"id": "basemap-raster", "type": "raster", "source": "basemap"},
        ]
        return document
    source = {
        "type": "vector",
        "tiles": [origin + tiles_path],
        "minzoom": basemap.MIN_ZOOM,
        "maxzoom": basemap.MAX_ZOOM,
        "attribution": OSM_ATTRIBUTION,
    }
    bounds = basemap.data_bounds()
    if bounds is not None:
        source["bounds"] = list(bounds)
        west, south, east, north = bounds
        document["center"] = [round((west + east) / 2, 6), round((south + north) / 2, 6)]
        document["zoom"] = 14
    document["sources"]["basemap"] = source
    document["layers"] = vector_layers()
    return document

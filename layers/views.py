"""The public basemap: vector tiles (`GET /basemap/{z}/{x}/{y}.pbf`) and the MapLibre style
(`GET /basemap/style.json`). Public OpenStreetMap data: no login, cacheable by anyone.

A tile answers with an ETag (a digest of its bytes) and 304 to a matching If-None-Match; an
empty tile is an empty 200. Coordinates that do not parse or lie outside the zoom answer 400
``{"<z|x|y>": ["<message>"]}``.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

from gis.core import conf
from gis.core.api.conditional import revalidated
from gis.core.api.tiles import CONTENT_TYPE, TileSerializer
from layers import basemap, basemap_style

#: Seconds a browser or proxy may reuse a tile or the style before revalidating it.
TILE_MAX_AGE = 3600
STYLE_MAX_AGE = 300


@require_GET
def tile(request: HttpRequest, z: str, x: str, y: str) -> HttpResponse:
    """GET a basemap tile (Mapbox vector tile, layers as in :mod:`layers.basemap`)."""
    coordinates = TileSerializer(data={"z": z, "x": x, "y": y})
    if not coordinates.is_valid():
        return JsonResponse(coordinates.errors, status=400)
    data = coordinates.validated_data
    body = basemap.render_tile(data["z"], data["x"], data["y"])
    return revalidated(request, body, CONTENT_TYPE, max_age=TILE_MAX_AGE, public=True)


def tile_template() -> str:
    """The tile URL template, path only: /basemap/{z}/{x}/{y}.pbf."""
    path = reverse("basemap-tile", kwargs={"z": "Z", "x": "X", "y": "Y"})
    return path.replace("/Z/X/Y.pbf", "/{z}/{x}/{y}.pbf")


def style_for(request: HttpRequest) -> dict:
    """The basemap style for `request`: tile and glyph URLs absolute to its host; the raster
    of `TRYGG_BASEMAP_URL` instead of the vector tiles when that is set."""
    origin = f"{request.scheme}://{request.get_host()}"
    glyphs = static("basemap/glyphs/") + "{fontstack}/{range}.pbf"
    return basemap_style.style(
        origin,
        tile_template(),
        glyphs,
        raster_url=conf.setting("TRYGG_BASEMAP_URL") or "",
        raster_attribution=conf.setting("TRYGG_BASEMAP_ATTRIBUTION") or "",
    )


@require_GET
def style(request: HttpRequest) -> HttpResponse:
    """GET the basemap's MapLibre style (JSON), with URLs absolute to the request's host."""
    document = style_for(request)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return revalidated(request, body, "application/json", max_age=STYLE_MAX_AGE, public=True)

"""The public basemap: vector tiles (`GET /basemap/{z}/{x}/{y}.pbf`) and the MapLibre style
(`GET /basemap/style.json`). Public OpenStreetMap data: no login, cacheable by anyone.

A tile answers with an ETag (a digest of its bytes) and 304 to a matching If-None-Match; an
empty tile is an empty 200. Coordinates that do not parse or lie outside the zoom answer 400
``{"<z|x|y>": ["<message>"]}``.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

from gis.core import conf
from gis.core.api.tiles import CONTENT_TYPE, TileSerializer
from layers import basemap, basemap_style

#: Seconds a browser or proxy may reuse a tile or the style before revalidating it.
TILE_MAX_AGE = 3600
STYLE_MAX_AGE = 300


def _cached(request: HttpRequest, body: bytes, content_type: str, max_age: int) -> HttpResponse:
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        body, content_type=content_type
    )
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_GET
def tile(request: HttpRequest, z: str, x: str, y: str) -> HttpResponse:
    """GET a basemap tile (Mapbox vector tile, layers as in :mod:`layers.basemap`)."""
    coordinates = TileSerializer(data={"z": z, "x": x, "y": y})
    if not coordinates.is_valid():
        return JsonResponse(coordinates.errors, status=400)
    data = coordinates.validated_data
    body = basemap.render_tile(data["z"], data["x"], data["y"])
    return _cached(request, body, CONTENT_TYPE, TILE_MAX_AGE)


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
    return _cached(request, body, "application/json", STYLE_MAX_AGE)

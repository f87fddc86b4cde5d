"""The public basemap's routes (no language prefix): tiles and the MapLibre style."""

from django.urls import path, re_path

from layers import views

urlpatterns = [
    path("basemap/style.json", views.style, name="basemap-style"),
    # Any path segment: what does not parse as a tile coordinate answers 400, not 404.
    re_path(
        r"^basemap/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/]+)\.pbf$", views.tile, name="basemap-tile"
    ),
]

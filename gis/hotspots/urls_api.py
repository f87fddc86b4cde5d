"""The hotspots app's API routes: the heat map (JSON and PNG) and the hot spots.

The hotspots app sits below the apps that select reports and decide who may see them, so it
does not mount its routes itself: the dashboard includes `patterns(bind)` under its own prefix
and namespace (`/api/dashboard/`, `dashboard-api`), where `bind` turns each view class into a
view over the dashboard's reports and access rules."""

from collections.abc import Callable

from django.urls import URLPattern, path

from gis.hotspots import views


def patterns(bind: Callable[[type[views.MapView]], Callable]) -> list[URLPattern]:
    """The routes of the map endpoints, each view bound by `bind`."""
    return [
        path("heatmap/", bind(views.HeatmapView), name="heatmap"),
        path("heatmap.png", bind(views.HeatmapPngView), name="heatmap-png"),
        path("hotspots/", bind(views.HotspotsView), name="hotspots"),
        path("time-profile", bind(views.TimeProfileView), name="time-profile"),
    ]

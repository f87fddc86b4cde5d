"""The admin's map widget: vendored OpenLayers, no inline script, no other origin.

Django's `gis/openlayers.html` starts the map with an inline script and a NASA basemap; both
break the site's Content-Security-Policy. `LocalMapWidget` renders the same markup with its
options in a `json_script` element (data, not code) that `trygg/map_widget.js` reads.
"""

from __future__ import annotations

import re

from django.contrib.gis import admin
from django.contrib.gis.forms.widgets import OpenLayersWidget
from django.urls import reverse

from gis import tenancy
from gis.dashboard import conf


def basemap() -> dict[str, str]:
    """The widget's basemap: `TRYGG_BASEMAP_URL` tiles if set, else the street-network tiles.

    The street tiles are the dashboard's own vector tiles (same origin, staff who may view the
    dashboard); an XYZ `{s}` host becomes OpenLayers' `{a-c}`.
    """
    url = conf.text("TRYGG_BASEMAP_URL")
    if url:
        return {
            "kind": "xyz",
            "url": re.sub(r"\{s\}", "{a-c}", url),
            "attribution": conf.text("TRYGG_BASEMAP_ATTRIBUTION"),
        }
    tile = reverse("dashboard-api:tile", kwargs={"layer": "streets", "z": 0, "x": 0, "y": 0})
    return {"kind": "streets", "url": tile.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")}


def default_centre() -> tuple[float, float]:
    """(lon, lat) in WGS 84 degrees of a point inside the first municipality, else (0, 0)."""
    from layers.models import Municipality

    first = Municipality.objects.only("boundary").order_by("name").first()
    if first is None:
        return 0.0, 0.0
    point = first.boundary.point_on_surface.transform(4326, clone=True)
    return round(point.x, 6), round(point.y, 6)


class LocalMapWidget(OpenLayersWidget):
    """OpenLayers editing widget started by a static script from JSON options (CSP-clean)."""

    template_name = "trygg/map_widget.html"
    default_zoom = 14

    class Media:
        extend = False  # drop Django's CDN links
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js", "trygg/map_widget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        lon, lat = default_centre()
        context["map_options"] = {
            "id": context["id"],
            "name": name,
            "geom_name": context["geom_type"],
            "map_id": f"{context['id']}_map",
            "map_srid": self.map_srid,
            "module": context["module"],
            "default_lon": lon,
            "default_lat": lat,
            "default_zoom": self.default_zoom,
            "basemap": basemap(),
        }
        return context


def _municipality_path(model) -> str | None:
    """How `model` reaches its municipality: "pk" for Municipality itself, else its field."""
    if model._meta.label == "layers.Municipality":
        return "pk"
    names = {field.name for field in model._meta.get_fields()}
    return "municipality" if "municipality" in names else None


def _scoped_choices(db_field, request, kwargs: dict) -> None:
    """Offer only records of the user's municipalities in a relation field."""
    path = _municipality_path(db_field.related_model)
    if path is not None:
        kwargs["queryset"] = tenancy.scope(
            db_field.related_model._default_manager.all(), request.user, path
        )


class MunicipalAdmin(admin.ModelAdmin):
    """Lists, opens and offers as choices only the records of the user's municipalities
    (:mod:`gis.tenancy`); another municipality's record is "not found"."""

    # How a record reaches its municipality, when not by its own `municipality` field.
    municipality_path: str | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        path = self.municipality_path or _municipality_path(self.model)
        return queryset if path is None else tenancy.scope(queryset, request.user, path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        _scoped_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MapAdmin(MunicipalAdmin, admin.GISModelAdmin):
    """Base admin for records with geometry: an editable map, listed by municipality."""

    gis_widget = LocalMapWidget
    list_per_page = 50

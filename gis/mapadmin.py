"""The admin's map widget, with OpenLayers served from the project rather than a CDN."""

from django.contrib.gis import admin
from django.contrib.gis.forms.widgets import OpenLayersWidget


class LocalMapWidget(OpenLayersWidget):
    """OpenLayers editing widget using the vendored OpenLayers build (no network needed)."""

    class Media:
        extend = False  # drop Django's CDN links
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js")


class MapAdmin(admin.GISModelAdmin):
    """Base admin for records with geometry: an editable map, listed by municipality."""

    gis_widget = LocalMapWidget
    list_per_page = 50

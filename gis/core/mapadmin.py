"""The admin's map widget: vendored OpenLayers, no inline script, no other origin.

Django's `gis/openlayers.html` starts the map with an inline script and a NASA basemap; both
break the site's Content-Security-Policy. `LocalMapWidget` renders the same markup with its
options in a `json_script` element (data, not code) that `trygg/map_widget.js` reads.
"""

from __future__ import annotations

import re

from django.contrib.admin import RelatedFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.gis import admin
from django.contrib.gis.forms.widgets import OpenLayersWidget
from django.urls import reverse

from gis.core import conf, tenancy
from gis.core.geometry import force_2d


def basemap() -> dict[str, str]:
    """The widget's basemap: `TRYGG_BASEMAP_URL` tiles if set, else the public vector basemap.

    The basemap tiles (/basemap/{z}/{x}/{y}.pbf: buildings, water, parks, roads, rail; made by
    the layers app) are of the same origin, reached by URL name only: the kernel imports no
    app. An XYZ `{s}` host becomes OpenLayers' `{a-c}`. Both settings are the kernel's
    (gis.core.conf).
    """
    url = conf.setting("TRYGG_BASEMAP_URL") or ""
    if url:
        return {
            "kind": "xyz",
            "url": re.sub(r"\{s\}", "{a-c}", url),
            "attribution": conf.setting("TRYGG_BASEMAP_ATTRIBUTION") or "",
        }
    tile = reverse("basemap-tile", kwargs={"z": 0, "x": 0, "y": 0})
    return {"kind": "basemap", "url": tile.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")}


def default_centre() -> tuple[float, float]:
    """(lon, lat) in WGS 84 degrees of a point inside the first municipality, else (0, 0)."""
    from gis.core.models import Municipality

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

    def deserialize(self, value):
        """The submitted geometry (WKT, GeoJSON, hex WKB) without Z or M
        (gis.core.geometry.force_2d): the columns are two-dimensional."""
        return force_2d(super().deserialize(value))

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


class ScopedRelatedFieldListFilter(RelatedFieldListFilter):
    """A list filter on a relation that offers only the rows the user may see
    (:func:`gis.core.tenancy.choices`): no other municipality's names, no superuser's."""

    def field_choices(self, field, request, model_admin):
        rows = tenancy.choices(field.related_model, request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            rows = rows.order_by(*ordering)
        target = field.target_field.attname
        return [(getattr(row, target), str(row)) for row in rows]


def scoped_list_filter(model, spec):
    """`spec` (an entry of `list_filter`) with a relation filtered by
    :class:`ScopedRelatedFieldListFilter`; other entries as they are."""
    if isinstance(spec, str):
        if get_fields_from_path(model, spec)[-1].is_relation:
            return (spec, ScopedRelatedFieldListFilter)
        return spec
    if isinstance(spec, tuple | list) and len(spec) == 2:
        name, kind = spec
        related = isinstance(kind, type) and issubclass(kind, RelatedFieldListFilter)
        if related and not issubclass(kind, ScopedRelatedFieldListFilter):
            return (name, ScopedRelatedFieldListFilter)
    return spec


class ScopedChoices:
    """Relation fields of the admin's forms offer only the rows the user may see
    (:func:`gis.core.tenancy.choices`): another municipality's districts, walks, pins or staff, and
    superusers, are neither shown nor accepted. For ModelAdmins and inlines alike."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", tenancy.choices(db_field.related_model, request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", tenancy.choices(db_field.related_model, request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ReadOnly:
    """For a ModelAdmin or an inline of records nobody adds, changes or deletes in the admin,
    superusers included (logs of access and use): they are only viewed."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MunicipalAdmin(ScopedChoices, admin.ModelAdmin):
    """Lists, opens and offers as choices only the records of the user's municipalities
    (:mod:`gis.core.tenancy`); another municipality's record is "not found". Every list filter on a
    relation and every relation field is scoped the same way; models without a municipality
    (categories) are listed whole."""

    # How a record reaches its municipality, when not found by `tenancy.municipality_path`.
    municipality_path: str | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        path = self.municipality_path or tenancy.municipality_path(self.model)
        return queryset if path is None else tenancy.scope(queryset, request.user, path)

    def get_list_filter(self, request):
        return [scoped_list_filter(self.model, spec) for spec in super().get_list_filter(request)]


class MapAdmin(MunicipalAdmin, admin.GISModelAdmin):
    """Base admin for records with geometry: an editable map, listed by municipality."""

    gis_widget = LocalMapWidget
    list_per_page = 50

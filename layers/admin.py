"""Back office for the map layers."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gis.core.mapadmin import MapAdmin
from gis.core.partners import may_read_description
from layers import models


@admin.register(models.District)
class DistrictAdmin(MapAdmin):
    list_display = ("name", "municipality")
    list_filter = ("municipality",)
    search_fields = ("name",)


@admin.register(models.StreetSegment)
class StreetSegmentAdmin(MapAdmin):
    # The name people use (street and house numbers, or "Gångväg vid …"), the id beside it.
    list_display = ("__str__", "id", "highway", "lit", "length_m", "osm_id")
    list_filter = ("lit", "highway", "municipality")
    search_fields = ("name", "near_name", "source_id")
    readonly_fields = ("near_name", "house_numbers")  # computed by every import


@admin.register(models.StreetLamp)
class StreetLampAdmin(MapAdmin):
    list_display = ("__str__", "status", "source", "status_checked_at")
    list_filter = ("status", "source")
    list_editable = ("status",)
    search_fields = ("source_id",)


@admin.register(models.LuxReading)
class LuxReadingAdmin(MapAdmin):
    list_display = ("__str__", "measured_at", "measured_by")
    list_filter = ("source",)
    date_hierarchy = "measured_at"


@admin.register(models.Vegetation)
class VegetationAdmin(MapAdmin):
    list_display = ("__str__", "kind", "height_m", "blocks_sightline")
    list_filter = ("kind", "blocks_sightline")


@admin.register(models.GreenArea)
class GreenAreaAdmin(MapAdmin):
    list_display = ("__str__", "id", "owner")
    list_filter = ("owner",)
    search_fields = ("name", "near_name")
    readonly_fields = ("near_name",)  # computed by every import


@admin.register(models.Camera)
class CameraAdmin(MapAdmin):
    list_display = ("__str__", "operator", "permit_status", "direction_deg", "fov_deg", "range_m")
    list_filter = ("permit_status",)
    search_fields = ("operator", "source_id")


@admin.register(models.Incident)
class IncidentAdmin(MapAdmin):
    list_display = ("__str__", "type", "reported_by", "occurred")
    list_filter = ("type", "reported_by")
    date_hierarchy = "occurred_at"

    def get_exclude(self, request, obj=None):
        """An EST partner's member reads the description of its own partner's incidents only,
        as on the dashboard (:func:`gis.core.partners.incident_partner_ids`)."""
        exclude = list(super().get_exclude(request, obj) or ())
        if obj is not None and not may_read_description(request.user, obj):
            exclude.append("description")
        return exclude

    @admin.display(description=_("occurred"), ordering="occurred_at")
    def occurred(self, incident: models.Incident) -> str:
        """The moment or span, as everywhere else (:mod:`gis.core.timespan`)."""
        return incident.occurred_label


@admin.register(models.Property)
class PropertyAdmin(MapAdmin):
    list_display = ("__str__", "kind", "department", "source")
    list_filter = ("kind", "department")
    search_fields = ("name", "source_id")

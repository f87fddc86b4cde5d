"""Back office for presence measures: the place on the map widget, listed by municipality.

Status changes belong to the measure's page (gis.presence.measures), which sets ``done_at``;
here a coordinator corrects what was recorded.
"""

from django.contrib import admin

from gis.core.mapadmin import MapAdmin
from gis.presence.models import PresenceMeasure


@admin.register(PresenceMeasure)
class PresenceMeasureAdmin(MapAdmin):
    """Presence measures of the user's municipalities."""

    list_display = ("title", "kind", "status", "starts_on", "ends_on", "partner")
    list_filter = ("status", "kind", "partner")
    search_fields = ("title",)
    readonly_fields = ("done_at", "created_by")
    date_hierarchy = "starts_on"

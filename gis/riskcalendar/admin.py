"""Back office for the risk calendar's own days (school holidays, events)."""

from django.contrib import admin

from gis.core.mapadmin import MapAdmin
from gis.riskcalendar import models


@admin.register(models.CalendarEntry)
class CalendarEntryAdmin(MapAdmin):
    """A municipality's school holidays, school-leaving days and events, with the place of an
    event on the map. Imported entries keep their source and uid (a re-import updates them)."""

    list_display = ("name", "kind", "starts_on", "ends_on", "municipality", "source")
    list_filter = ("kind", "municipality")
    search_fields = ("name",)
    date_hierarchy = "starts_on"
    readonly_fields = ("source", "source_uid", "created_at", "updated_at")

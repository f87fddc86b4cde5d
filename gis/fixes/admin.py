"""Back office for fixes."""

from django.contrib import admin

from gis.core.mapadmin import MapAdmin
from gis.fixes import models


@admin.register(models.Fix)
class FixAdmin(MapAdmin):
    """Fixes. Who last changed the status is recorded by the workflow, not chosen here."""

    list_display = ("rank", "fix_type", "department", "cost_class", "score", "status")
    list_filter = ("department", "fix_type", "status")
    readonly_fields = ("reasons", "status_changed_by")
    raw_id_fields = ("segment", "green_area", "property", "pins")

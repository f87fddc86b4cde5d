"""Back office for analysis runs and fixes."""

from django.contrib import admin

from gis import models
from gis.mapadmin import MapAdmin, MunicipalAdmin


@admin.register(models.AnalysisRun)
class AnalysisRunAdmin(MunicipalAdmin):
    """Analysis runs. The raster is a file Trygg writes itself (an analysis COG): shown, never
    uploaded. Who ran it is recorded, not chosen."""

    list_display = ("__str__", "kind", "municipality", "created_by", "data_version")
    list_filter = ("kind",)
    readonly_fields = ("created_at", "created_by", "raster")

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.Fix)
class FixAdmin(MapAdmin):
    """Fixes. Who last changed the status is recorded by the workflow, not chosen here."""

    list_display = ("rank", "fix_type", "department", "cost_class", "score", "status")
    list_filter = ("department", "fix_type", "status")
    readonly_fields = ("reasons", "status_changed_by")
    raw_id_fields = ("segment", "green_area", "pins")

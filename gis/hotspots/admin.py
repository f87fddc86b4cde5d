"""Back office for analysis runs."""

from django.contrib import admin

from gis.core.mapadmin import MunicipalAdmin
from gis.hotspots import models


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

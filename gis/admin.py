"""Back office for analysis runs and fixes."""

from django.contrib import admin

from gis import models
from gis.mapadmin import MapAdmin, MunicipalAdmin


@admin.register(models.AnalysisRun)
class AnalysisRunAdmin(MunicipalAdmin):
    list_display = ("__str__", "kind", "municipality", "created_by", "data_version")
    list_filter = ("kind",)
    readonly_fields = ("created_at",)


@admin.register(models.Fix)
class FixAdmin(MapAdmin):
    list_display = ("rank", "fix_type", "department", "cost_class", "score", "status")
    list_filter = ("department", "fix_type", "status")
    readonly_fields = ("reasons",)
    raw_id_fields = ("segment", "green_area", "pins")

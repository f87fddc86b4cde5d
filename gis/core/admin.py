"""Back office for the kernel's model: the municipalities and their staff."""

from django.contrib import admin

from gis.core.mapadmin import MapAdmin
from gis.core.models import Municipality


@admin.register(Municipality)
class MunicipalityAdmin(MapAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    filter_horizontal = ("staff",)

"""Department work lists and fix pages (inside the language prefix)."""

from django.urls import path

from gis.fixes import views

app_name = "fixes"

urlpatterns = [
    path("fixes/", views.fix_list, name="list"),
    path("fixes/export.csv", views.export_csv, name="export-csv"),
    path("fixes/export.geojson", views.export_geojson, name="export-geojson"),
    path("fixes/print/", views.print_list, name="print"),
    path("fixes/<int:pk>/", views.fix_detail, name="detail"),
    path("fixes/<int:pk>/map.png", views.fix_map, name="map"),
    path("fixes/<int:pk>/status/", views.change_status, name="status"),
]

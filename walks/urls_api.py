"""The walks and resident-pin API and Open311 GeoReport v2 (no language prefix)."""

urlpatterns: list = []

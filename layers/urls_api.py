"""The map-layer API (no language prefix)."""

urlpatterns: list = []

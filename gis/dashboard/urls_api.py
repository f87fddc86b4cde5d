"""Dashboard data endpoints: vector tiles, filtered counts (no language prefix)."""

urlpatterns: list = []

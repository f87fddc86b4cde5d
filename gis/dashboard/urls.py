"""Dashboard pages (inside the language prefix)."""

urlpatterns: list = []

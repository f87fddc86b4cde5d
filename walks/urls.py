"""Pages of the field app and the resident report form (inside the language prefix)."""

urlpatterns: list = []

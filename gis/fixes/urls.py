"""Department work lists and fix pages (inside the language prefix)."""

urlpatterns: list = []

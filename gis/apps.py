"""The project package as a Django app, labelled `trygg` (`gis` is GeoDjango's own label).

It holds the project's pages, templates, static files and commands (demo, backup, restore) and
no models: its migrations 0001-0003 are the history of the models that moved to the hotspots
and fixes apps (see gis/migrations/0003_models_to_apps.py).
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TryggConfig(AppConfig):
    name = "gis"
    label = "trygg"
    verbose_name = _("Trygg")
    default_auto_field = "django.db.models.BigAutoField"

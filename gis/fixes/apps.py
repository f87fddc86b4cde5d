from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FixesConfig(AppConfig):
    name = "gis.fixes"
    label = "fixes"
    verbose_name = _("Fixes")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalkplanConfig(AppConfig):
    name = "gis.walkplan"
    label = "walkplan"
    verbose_name = _("Walk planning")
    default_auto_field = "django.db.models.BigAutoField"

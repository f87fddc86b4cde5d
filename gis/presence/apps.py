from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresenceConfig(AppConfig):
    name = "gis.presence"
    label = "presence"
    verbose_name = _("Presence")
    default_auto_field = "django.db.models.BigAutoField"

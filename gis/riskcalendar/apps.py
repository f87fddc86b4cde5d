from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskCalendarConfig(AppConfig):
    name = "gis.riskcalendar"
    label = "riskcalendar"
    verbose_name = _("Risk calendar")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "gis.campaigns"
    label = "campaigns"
    verbose_name = _("Digital walks")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "gis.jobs"
    label = "jobs"
    verbose_name = _("Analysis jobs")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "gis.notices"
    label = "notices"
    verbose_name = _("Notices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # walks may not import notices: notices listens to its models' signals instead
        # (gis.notices.signals).
        from gis.notices import signals

        signals.connect()

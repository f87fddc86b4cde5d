"""The `gis` package as a Django app; labelled `trygg` because `gis` is GeoDjango's own label."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TryggConfig(AppConfig):
    name = "gis"
    label = "trygg"
    verbose_name = _("Trygg")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gis.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="trygg_ensure_roles")

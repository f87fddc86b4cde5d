"""The kernel as a Django app: the municipality, the model bases and the roles."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gis.core"
    label = "core"
    verbose_name = _("Municipalities")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gis.core.api import schema  # noqa: F401  (registers the OpenAPI schema extensions)
        from gis.core.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="trygg_ensure_roles")

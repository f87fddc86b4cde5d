from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "gis.jobs"
    label = "jobs"
    verbose_name = _("Analysis jobs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The task results (arguments, return values, tracebacks) are the operators' matter, not
        # the back office's: `trygg prune_db_task_results` keeps the table small.
        from django.contrib import admin
        from django_tasks_db.models import DBTaskResult

        if admin.site.is_registered(DBTaskResult):
            admin.site.unregister(DBTaskResult)

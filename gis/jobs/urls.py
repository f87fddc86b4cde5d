"""The recompute action of the work list and its task's page (inside the language prefix):
/analyser/<id>/ in Swedish, /en/analyses/<id>/ in English."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from gis.jobs import views

app_name = "jobs"

urlpatterns = [
    path("fixes/recompute/", views.recompute, name="recompute"),
    path(_("analyses/<str:result_id>/"), views.task_page, name="task"),
    path(_("analyses/<str:result_id>/status.json"), views.task_status, name="task-status"),
]

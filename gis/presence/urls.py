"""Presence pages (inside the language prefix), with translated paths: /narvaro/ in Swedish,
/en/presence/ in English; the visit log of the teams' phones is /narvaro/besok/ and
/en/presence/visits/."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from gis.presence.views import plans, visits

app_name = "presence"

urlpatterns = [
    path(_("presence/"), plans.page, name="page"),
    path(_("presence/resources/"), plans.resource_add, name="resource-add"),
    path(_("presence/resources/<int:pk>/remove/"), plans.resource_remove, name="resource-remove"),
    path(_("presence/plan/"), plans.plan, name="plan"),
    path(_("presence/visits/"), visits.visit_log, name="visits"),
    path(_("presence/visits/sw.js"), visits.service_worker, name="sw"),
    path(_("presence/<str:week>/<int:resource>/<int:number>/"), plans.team, name="team"),
]

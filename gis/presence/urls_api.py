"""The presence API (no language prefix): the visit log of the teams' phones."""

from django.urls import path

from gis.presence.views import api

app_name = "presence_api"

urlpatterns = [
    path("api/presence/visits/<int:pk>/log", api.VisitLog.as_view(), name="visit-log"),
]

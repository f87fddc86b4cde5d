"""The digital walks' API (no language prefix): residents' answers and their photos."""

from django.urls import path

from gis.campaigns.views import api

app_name = "campaigns_api"

urlpatterns = [
    path("api/campaigns/<slug:slug>/responses/", api.ResponseCreate.as_view(), name="responses"),
    path(
        "api/campaigns/<slug:slug>/responses/<uuid:client_uuid>/photos/",
        api.ResponsePhoto.as_view(),
        name="response-photos",
    ),
]

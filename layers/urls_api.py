"""The partner API's routes (no language prefix): partner systems send incidents by API key."""

from django.urls import path

from layers import partner_api

urlpatterns = [
    path(
        "api/partners/v1/incidents",
        partner_api.PartnerIncidents.as_view(),
        name="partner-incidents",
    ),
]

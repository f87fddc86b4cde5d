"""The walk-planning API (no language prefix)."""

from django.urls import path

from gis.walkplan import views_api

app_name = "walkplan_api"

urlpatterns = [
    path("api/walkplans/", views_api.WalkPlans.as_view(), name="walkplans"),
    path("api/walks/<str:code>/plan/", views_api.WalkPlan.as_view(), name="walk-plan"),
]

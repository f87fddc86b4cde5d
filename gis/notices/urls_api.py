"""The one-click unsubscribe of e-mail headers (RFC 8058), outside the language prefix."""

from django.urls import path

from gis.notices import views

app_name = "notices_api"

urlpatterns = [
    path("api/notices/unsubscribe/<str:token>", views.one_click, name="one-click"),
]

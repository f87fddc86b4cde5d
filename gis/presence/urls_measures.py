"""Pages of the presence measures (inside the language prefix): /narvaro/atgarder/ in Swedish,
/en/presence/measures/ in English."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from gis.presence.views import measures as views

app_name = "presence_measures"

urlpatterns = [
    path(_("presence/measures/"), views.measure_list, name="list"),
    path(_("presence/measures/new/"), views.measure_create, name="create"),
    path(_("presence/measures/<int:pk>/"), views.measure_detail, name="detail"),
    path(_("presence/measures/<int:pk>/edit/"), views.measure_edit, name="edit"),
    path(_("presence/measures/<int:pk>/status/"), views.measure_status, name="status"),
]

"""Pages of the field app and the resident report form (inside the language prefix).

The report pages have translated paths: /rapportera/ in Swedish, /en/report/ in English; so
has the partners' shift report: /skiftrapport/ and /en/shift-report/.
"""

from django.urls import path, re_path
from django.utils.translation import gettext_lazy as _

from walks.views import leader, shift
from walks.views import pages as views

app_name = "walks"

urlpatterns = [
    path("w/sw.js", views.service_worker, name="sw"),
    re_path(r"^w/(?P<code>[A-Za-z0-9]{4,16})/?$", views.walk_app, name="app"),
    path("walks/", leader.walk_list, name="list"),
    path("walks/new/", leader.walk_create, name="create"),
    path("walks/<str:code>/", leader.walk_manage, name="manage"),
    path("walks/<str:code>/close/", leader.walk_close, name="close"),
    path("walks/<str:code>/summary/", leader.walk_summary, name="summary"),
    re_path(
        r"^walks/(?P<code>[A-Za-z0-9]+)/export\.(?P<fmt>geojson|csv|gpkg)$",
        leader.walk_export,
        name="export",
    ),
    path(_("report/"), views.report, name="report"),
    path(_("report/track/<str:token>/"), views.track, name="track"),
    path(_("shift-report/"), shift.shift_report, name="shift-report"),
    path(_("shift-report/mine/"), shift.my_reports, name="shift-mine"),
]

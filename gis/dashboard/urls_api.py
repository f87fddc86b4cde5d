"""Dashboard data endpoints under /api/dashboard/ (no language prefix; `?lang=` for labels).

The heat map and the hot spots are the hotspots app's routes (`gis/hotspots/urls_api.py`), bound
to the dashboard's filters and access rules."""

from django.urls import include, path

from gis.dashboard import views_api as v
from gis.hotspots import urls_api as hotspots

patterns = [
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.pbf", v.TileView.as_view(), name="tile"),
    path("counts/", v.CountsView.as_view(), name="counts"),
    *hotspots.patterns(v.map_view),
    path("districts/", v.DistrictsView.as_view(), name="districts"),
    path("properties/", v.PropertiesView.as_view(), name="properties"),
    path("routes/", v.RoutesView.as_view(), name="routes"),
    path("fixes/", v.FixesView.as_view(), name="fixes"),
    path("fixes/<int:pk>/", v.FixDetailView.as_view(), name="fix"),
    path("features/<str:source>/<int:pk>/", v.FeatureView.as_view(), name="feature"),
    path("pins/<int:pk>/triage/", v.TriageView.as_view(), name="triage"),
    path("photos/<str:kind>/<int:pk>/<str:size>/", v.PhotoView.as_view(), name="photo"),
]

urlpatterns = [path("api/dashboard/", include((patterns, "dashboard-api")))]

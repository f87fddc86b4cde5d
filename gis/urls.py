"""URL routes: the admin, the API with its OpenAPI schema, the app pages and uploaded files."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from gis import media, views

handler404 = views.not_found

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its start script at /api/docs/?script (no inline code, for the CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/docs.html"),
        name="api-docs",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    # Uploaded files, in every setting, with access rules and safe headers (gis.media).
    path(f"{media.media_prefix()}/<path:name>", media.serve, name="media"),
    path("", include("walks.urls_api")),
    path("", include("layers.urls_api")),
    path("", include("gis.dashboard.urls_api")),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("", include("walks.urls")),
    path("", include("gis.dashboard.urls")),
    path("", include("gis.fixes.urls")),
    prefix_default_language=False,
)

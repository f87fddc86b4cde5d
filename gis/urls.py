"""URL routes: the admin, the API with its OpenAPI schema, the app pages and uploaded files."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from gis import media, views

handler404 = views.not_found

# Models that moved to another app keep their back-office bookmarks: the old admin addresses
# answer a permanent redirect to the new ones (see docs/architecture.md, "What moved where").
MOVED_ADMIN_PAGES = {
    ("layers", "municipality"): "core",
    ("trygg", "analysisrun"): "hotspots",
    ("trygg", "fix"): "fixes",
}


def moved_admin_pages() -> list:
    """Permanent redirects from the admin pages of moved models to their new app's pages, in
    either language, with the query string kept."""
    return [
        re_path(
            rf"^admin/{old}/{model}/",
            views.moved_page(f"/admin/{old}/{model}/", f"/admin/{new}/{model}/"),
        )
        for (old, model), new in MOVED_ADMIN_PAGES.items()
    ]


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
    path("", include("gis.dashboard.urls_api")),
    path("", include("layers.urls")),  # the public basemap: tiles and style
    path("", include("layers.urls_api")),  # the partner API
    path("", include("gis.presence.urls_api")),
    path("", include("gis.walkplan.urls_api")),
    path("", include("gis.notices.urls_api")),
    path("", include("gis.campaigns.urls_api")),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path(_("accessibility/"), views.accessibility_statement, name="accessibility"),
    *moved_admin_pages(),
    path("admin/", admin.site.urls),
    path("", include("walks.urls")),
    path("", include("gis.dashboard.urls")),
    path("", include("gis.fixes.urls")),
    path("", include("gis.jobs.urls")),
    path("", include("layers.urls_import")),
    path("", include("gis.presence.urls")),
    path("", include("gis.presence.urls_measures")),
    path("", include("gis.notices.urls")),
    path("", include("gis.campaigns.urls")),
    path("", include("gis.walkplan.urls")),
    prefix_default_language=False,
)

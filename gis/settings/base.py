"""Settings shared by every environment; installation-specific values come from the environment."""

from __future__ import annotations

import os

import dj_database_url
from django.utils.translation import gettext_lazy as _

from gis.paths import PROJECT_ROOT, var_dir


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable."""
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


BASE_DIR = PROJECT_ROOT
VAR_DIR = var_dir()

SECRET_KEY = os.environ.get("TRYGG_SECRET_KEY", "")
DEBUG = env_bool("TRYGG_DEBUG", False)
ALLOWED_HOSTS = env_list("TRYGG_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("TRYGG_CSRF_TRUSTED_ORIGINS", [])

# The metric CRS every geometry is stored in. Migrations read it, so it is an installation
# setting fixed when the database is first migrated (SWEREF 99 TM by default).
TRYGG_SRID = int(os.environ.get("TRYGG_SRID", os.environ.get("TRYGG_DEFAULT_SRID", "3006")))
# The CRS of the API and the web map (RFC 7946 GeoJSON).
TRYGG_WGS84 = 4326

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from static files, not a CDN
    # Bottom to top: the kernel, the measured layers and the walks, the analysis and the
    # fixes built on them, the dashboard over everything; the project (`trygg`) last.
    "gis.core",
    "layers",
    "walks",
    "gis.campaigns",
    "gis.riskcalendar",
    "gis.hotspots",
    "gis.fixes",
    "gis.notices",
    "gis.walkplan",
    "gis.presence",
    "gis.jobs",
    "gis.dashboard",
    "gis.apps.TryggConfig",
    # Background tasks of the pages (gis.jobs.tasks): Django's Tasks framework (the django-tasks
    # backport) with its database backend, so the embedded default needs no other server;
    # `trygg db_worker` runs them.
    "django_tasks",
    "django_tasks_db",
]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The backend's table is made by a migration of ours from its current model: its own history
# has an irreversible data migration (for rows of its old releases, which no Trygg ever had),
# and every migration of Trygg reverses (tests/trust/test_migrations.py).
MIGRATION_MODULES = {"django_tasks_database": "gis.jobs.tasks_db.migrations"}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Rate limits of pages and plain views before any work (API views limit themselves); also
    # the CSP reports, answered by the next middleware.
    "gis.ratelimit.RateLimitMiddleware",
    # Outermost after the security headers, so the 503 page carries the policy too.
    "gis.middleware.ContentSecurityPolicyMiddleware",
    # Request bodies over their route's cap: 413 before anything below reads a byte (the CSRF
    # check, the views), with the policy above on the answer.
    "gis.bodylimit.BodyLimitMiddleware",
    # Wraps everything that can touch the database (sessions, auth, messages, views).
    "gis.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gis.urls"
WSGI_APPLICATION = "gis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_ROOT / "gis" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_settings() -> dict:
    """`DATABASE_URL` when given, else the embedded cluster under `var/` (see gis.embedded_db).

    Connecting gives up after `TRYGG_DB_CONNECT_TIMEOUT` seconds (5), so a request made while the
    database is unreachable gets its 503 quickly instead of hanging; an idle connection is kept
    for `TRYGG_CONN_MAX_AGE` seconds (60).
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_health_checks=True)
        config["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    else:
        from gis.embedded_db import EmbeddedCluster

        config = EmbeddedCluster().django_settings()
    # Connections persist for `TRYGG_CONN_MAX_AGE` seconds (60) in the threads that serve
    # requests one after another (gunicorn's workers). Django's development server starts a
    # thread per request, so there every finished request would leave an idle connection
    # behind; `trygg runserver` and `trygg demo` set 0 (gis.cli).
    config["CONN_MAX_AGE"] = int(os.environ.get("TRYGG_CONN_MAX_AGE", "60"))
    options = config.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", int(os.environ.get("TRYGG_DB_CONNECT_TIMEOUT", "5")))
    return config


DATABASES = {"default": database_settings()}
# Read-only requests (tiles, dashboard and situation-picture reads, Open311 lists, exports) on a
# streaming replica when TRYGG_REPLICA_URL names one; writes and reads of one's own writes on
# the primary (gis.core.dbrouter, docs/replica.md).
DATABASE_ROUTERS = ["gis.core.dbrouter.ReplicaRouter"]
MIDDLEWARE.append("gis.core.dbrouter.ReplicaRoutingMiddleware")
TRYGG_REPLICA_PIN_SECONDS = int(os.environ.get("TRYGG_REPLICA_PIN_SECONDS", "10"))
TRYGG_REPLICA_RETRY_SECONDS = int(os.environ.get("TRYGG_REPLICA_RETRY_SECONDS", "30"))
if os.environ.get("TRYGG_REPLICA_URL"):
    from gis.replica import replica_database_settings

    DATABASES["replica"] = replica_database_settings(
        os.environ["TRYGG_REPLICA_URL"], DATABASES["default"]
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Report tiles are cached by the version of the municipality's reports (gis.dashboard.tilecache)
# in files shared by the server's workers, at most this many seconds (0: not cached; every write
# of a tile names it, so the cache below needs no TIMEOUT of its own).
TRYGG_TILE_CACHE_SECONDS = int(os.environ.get("TRYGG_TILE_CACHE_SECONDS", "600"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "tiles": {
        "BACKEND": "gis.dashboard.tilefiles.TileFileCache",
        "LOCATION": str(VAR_DIR / "cache" / "tiles"),
        # About 20,000 tiles of 5 to 150 KB: past that, a third of them, picked at random, go
        # (counted on one write in 100 of each worker, gis.dashboard.tilefiles).
        "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 3},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [PROJECT_ROOT / "gis" / "locale"]
TIME_ZONE = os.environ.get("TRYGG_TIME_ZONE", "Europe/Stockholm")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("TRYGG_STATIC_ROOT", str(VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("TRYGG_MEDIA_ROOT", str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Caps of every request body (Django's; the public API caps its own lower, gis.core.api.limits):
# bytes of the non-file part, form fields and files per request; uploads larger than
# FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file instead of memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:map"
# Django's model backend with a per-account limit of failed logins (gis.login_limits): after
# TRYGG_LOGIN_ACCOUNT_FAILURES failures for one username within TRYGG_LOGIN_ACCOUNT_WINDOW
# seconds, that username is refused (429) until the window has passed.
AUTHENTICATION_BACKENDS = ["gis.login_limits.LoginLimitBackend"]
TRYGG_LOGIN_ACCOUNT_FAILURES = int(os.environ.get("TRYGG_LOGIN_ACCOUNT_FAILURES", "10"))
TRYGG_LOGIN_ACCOUNT_WINDOW = int(os.environ.get("TRYGG_LOGIN_ACCOUNT_WINDOW", "900"))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 500,
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trygg API",
    "DESCRIPTION": "Safety walks, resident reports and map layers as GeoJSON in WGS 84.",
    "VERSION": "0.1.0",
    # /api/docs/ under the Content-Security-Policy: Swagger UI from the static files, no
    # validator badge (an image from validator.swagger.io).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: with them Swagger UI puts a link inside each operation's button, a nested
    # control that screen readers announce poorly (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "validatorUrl": None},
    # One name for the day/evening/night choices, whether a field is called `when` (pins,
    # findings) or `time_of_day` (walk plans).
    "ENUM_NAME_OVERRIDES": {"WhenEnum": "gis.core.vocabulary.WhenUnsafe"},
}

# Content-Security-Policy (gis.middleware): no inline scripts or styles, nothing from other
# origins except the field maps' basemap (TRYGG_BASEMAP_URL). Enforced everywhere, the demo and
# the tests included (the browser tests fail on any violation); TRYGG_CSP_ENFORCE=0 sends it as
# Content-Security-Policy-Report-Only, violations reported to TRYGG_CSP_REPORT_URI either way.
TRYGG_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
TRYGG_CSP_ENFORCE = env_bool("TRYGG_CSP_ENFORCE", True)
TRYGG_CSP_REPORT_URI = "/csp-report"
# Seconds a client is asked to wait (Retry-After) while the database is unreachable.
TRYGG_DB_RETRY_AFTER = int(os.environ.get("TRYGG_DB_RETRY_AFTER", "15"))
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Debian 12 ships GDAL 3.6; Trygg never opens user-supplied spatial reference strings with it.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# No log holds residents' personal data, whatever TRYGG_LOG_LEVEL says: the DEBUG records of
# django.db.backends (SQL statements with their parameters) and of django.template (a template
# context's values, e.g. an error report's request and variables) are never logged, and error
# reports mask form fields with contact details or free text (walks.error_reports).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Paths in Django's records ("Not Found: /rapportera/folj/<token>/") without tokens or
    # join codes, as in the access log (gis.access_log).
    "filters": {"redact_urls": {"()": "gis.access_log.RedactUrlsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_urls"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("TRYGG_LOG_LEVEL", "INFO")},
    "loggers": {
        "pyrosm": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        "django.template": {"level": "INFO"},
    },
}
# E-mail to residents and staff (gis.notices, docs/notices.md): SMTP from the environment in
# production; the demo writes messages to files under var/mail, the tests keep them in memory.
EMAIL_BACKEND = os.environ.get("TRYGG_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "Trygg <trygg@localhost>"
EMAIL_FILE_PATH = os.environ.get("TRYGG_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

DEFAULT_EXCEPTION_REPORTER_FILTER = "walks.error_reports.PersonalDataReporterFilter"

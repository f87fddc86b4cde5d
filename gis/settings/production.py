"""Production: DATABASE_URL and TRYGG_SECRET_KEY are required; secure cookies and HSTS."""

import os

from django.core.exceptions import ImproperlyConfigured

from gis.settings.base import *  # noqa: F403
from gis.settings.base import env_bool

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("TRYGG_SECRET_KEY must be set in production")

DEBUG = False
SESSION_COOKIE_SECURE = env_bool("TRYGG_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("TRYGG_SECURE_COOKIES", True)
SECURE_SSL_REDIRECT = env_bool("TRYGG_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("TRYGG_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks plain HTTP

"""Production: DATABASE_URL and TRYGG_SECRET_KEY are required; secure cookies, HSTS and an enforced
Content-Security-Policy; the demo's accounts are refused. Serve it behind a TLS-terminating proxy
that sets X-Forwarded-Proto.

`trygg check --deploy` reports no issues with these settings and a long random secret key.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from gis.settings.base import *  # noqa: F403
from gis.settings.base import env_bool

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("TRYGG_SECRET_KEY must be set in production")

DEBUG = False

# Cookies travel over HTTPS only; the session cookie is out of reach of scripts. The CSRF cookie
# stays readable (CSRF_COOKIE_HTTPONLY off) because the field app's scripts send it as a header.
SESSION_COOKIE_SECURE = env_bool("TRYGG_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("TRYGG_SECURE_COOKIES", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# HTTPS: redirect plain HTTP, and HSTS (SecurityMiddleware sends it on HTTPS responses only).
SECURE_SSL_REDIRECT = env_bool("TRYGG_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("TRYGG_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TRYGG_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("TRYGG_HSTS_PRELOAD", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks plain HTTP

# Headers: no sniffing, no framing, no full URLs (tracking links carry tokens) to other sites.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
TRYGG_CSP_ENFORCE = env_bool("TRYGG_CSP_ENFORCE", True)

# The demo's accounts (demo-coordinator, demo-planner, …) never log in here, whatever their
# password: a restored demo database or an account made by hand under a demo name opens nothing.
# The per-account limit of failed logins still applies (gis.login_limits).
AUTHENTICATION_BACKENDS = ["gis.demo.accounts.NoDemoAccountsBackend"]

# The API answers JSON (and its own formats: GeoJSON, Open311 XML); no browsable HTML API with
# forms for every endpoint in production.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

"""WSGI entry point (gunicorn gis.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.production")
application = get_wsgi_application()
# Import every view (and the analysis libraries behind them) now, while the worker boots, so
# the first request after a (re)start is not the one that waits for them.
_ = get_resolver().url_patterns

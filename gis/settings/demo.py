"""The local demo: embedded database, debug on, a fixed throwaway secret key.

The demo municipality is central Helsinki, so its metric CRS defaults to ETRS-TM35FIN
(EPSG:3067) rather than SWEREF 99 TM; TRYGG_SRID still overrides it.
"""

import os

os.environ.setdefault("TRYGG_DEFAULT_SRID", "3067")

from gis.settings.base import *  # noqa: F403
from gis.settings.base import env_bool

DEBUG = env_bool("TRYGG_DEBUG", True)
SECRET_KEY = SECRET_KEY or "demo-only-insecure-key-do-not-use-in-production"  # noqa: F405
# Serve static files straight from the apps (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# E-mail is written to files under var/mail (one file per sending), never sent by SMTP.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"

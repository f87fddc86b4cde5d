"""The test suite: the demo's embedded cluster (a `test_` database) and the demo's CRS."""

import os

os.environ.setdefault("TRYGG_DEFAULT_SRID", "3067")

from gis.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = str(VAR_DIR / "test-media")  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the apps (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# One test database per pytest process, so parallel runs on one machine never collide.
DATABASES["default"]["TEST"] = {"NAME": f"test_trygg_{os.getpid()}"}  # noqa: F405
# Tiles are cached in the test process's memory (each test starts with an empty cache: conftest).
CACHES["tiles"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tiles"}  # noqa: F405
# E-mail stays in memory (django.core.mail.outbox; pytest-django's `mailoutbox`).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

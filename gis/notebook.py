"""Bootstrap for notebooks: configure Django on the demo settings and open the database.

    from gis.notebook import setup
    setup()                      # then import gis.frames, gis.hotspots.runs, models ...

The database is the embedded cluster's ``trygg`` database unless ``TRYGG_DB_NAME`` names
another one (the test suite points notebooks at its test database that way), or
``DATABASE_URL`` points at a server. ``DJANGO_SETTINGS_MODULE`` wins over the default.
"""

from __future__ import annotations

import os

DEFAULT_SETTINGS = "gis.settings.demo"


def setup(settings_module: str = DEFAULT_SETTINGS, *, start_database: bool = True) -> str:
    """Configure Django for interactive use; safe to call more than once.

    Parameters
    ----------
    settings_module : str
        Settings used when ``DJANGO_SETTINGS_MODULE`` is not set (default the demo's, whose
        storage CRS is EPSG:3067 unless TRYGG_SRID says otherwise).
    start_database : bool
        Start the embedded PostGIS cluster if it is not running (ignored with DATABASE_URL).

    Returns
    -------
    str
        The name of the database the notebook reads.
    """
    import django
    from django.apps import apps
    from django.conf import settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    # Jupyter runs cells inside an event loop; the ORM is used synchronously on purpose.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if start_database and not os.environ.get("DATABASE_URL"):
        from gis.embedded_db import EmbeddedCluster

        EmbeddedCluster().start()
    if not apps.ready:
        django.setup()
    return str(settings.DATABASES["default"]["NAME"])

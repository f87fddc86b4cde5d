"""The function a dask worker runs: one analysis of one municipality.

A worker of the nightly batch is a process of its own (on this machine for the local cluster,
anywhere for an existing cluster); the first task it runs sets Django up from the environment
it inherited (``DJANGO_SETTINGS_MODULE``, ``DATABASE_URL`` or the embedded cluster), so this
module imports no model until then.
"""

from __future__ import annotations

import os


def _django() -> None:
    from django.apps import apps

    if not apps.ready:
        import django

        # As the `trygg` command chooses (gis.cli): production with DATABASE_URL, else the demo's.
        production = bool(os.environ.get("DATABASE_URL"))
        default = "gis.settings.production" if production else "gis.settings.demo"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
        django.setup()


def analyse(code: str, analysis: str, force: bool = False) -> dict:
    """:func:`gis.jobs.analyses.run_analysis` in a dask worker; its outcome as a dict."""
    _django()
    from django.db import connections

    from gis.jobs.analyses import run_analysis

    try:
        return run_analysis(code, analysis, force=force)
    finally:
        connections.close_all()


def warm() -> None:
    """Set Django up and import the analyses in a worker (``client.run(warm)`` before the
    first task), so that a worker that cannot reach the database fails at once, before any
    task is given to it, and the first task's time is its own."""
    _django()
    import gis.jobs.analyses  # noqa: F401

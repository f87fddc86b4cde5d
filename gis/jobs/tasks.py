"""The background task of the web pages (Django's Tasks framework through the django-tasks
backport, database backend): the same function the nightly dask batch runs, so a ranking asked
for on the work list is computed, recorded and skipped when unchanged exactly as at night. A
worker runs it: ``trygg db_worker`` (``./run demo`` starts one)."""

from __future__ import annotations

from django_tasks import task


@task()
def analyse(code: str, analysis: str, user_id: int | None = None) -> dict:
    """Run :func:`gis.jobs.analyses.run_analysis`; its outcome is the task's return value.

    The analysis module (geopandas, the hotspot engine) is imported here, in the worker, so
    the web pages that enqueue the task boot without the analysis libraries
    (tests/core/test_lazy_boot.py)."""
    from gis.jobs.analyses import run_analysis

    return run_analysis(code, analysis, user_id=user_id)

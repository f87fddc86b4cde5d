"""Running an import from the upload page in the background, with its progress.

The view stores an :class:`~layers.models.ImportJob` (the kept file and the options chosen on
the mapping page) and, once its transaction commits, starts :func:`start`: a daemon thread of
the web process that runs :func:`run`. The import itself is `layers.batches.run_import` (one
transaction); its progress (rows read, after each chunk) is written through a connection of its
own, in autocommit, so that the page's status requests see it while the import's transaction
is still open. The thread closes its database connections when it ends. A job that fails keeps
its one-line error; the kept file is removed when the job ends either way.

A running job holds a PostgreSQL advisory lock on that connection for as long as it runs. If
the web process dies mid-import (a restart, a kill), the import's transaction is rolled back
by the database and the lock is released with the connection; the next status request finds
the lock free and records the job as interrupted, so the page never waits on a dead job.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from layers import batches, uploads
from layers.imports import ImportFileError
from layers.models import ImportJob

log = logging.getLogger(__name__)


def options_for(job: ImportJob) -> batches.ImportOptions:
    """The ImportOptions of a job (see :func:`job_options` for the stored form)."""
    stored = job.options or {}
    fixed = {}
    if stored.get("partner"):
        from gis.core.partners import Partner

        fixed["partner"] = Partner.objects.get(pk=stored["partner"])
    return batches.ImportOptions(
        layer=job.layer,
        path=Path(job.file_path),
        municipality=job.municipality,
        source=stored.get("source") or "import",
        id_column=stored.get("id_column") or None,
        layer_name=stored.get("file_layer") or None,
        crs=stored.get("crs") or None,
        location=dict(stored.get("location") or {}),
        maps=dict(stored.get("maps") or {}),
        values={k: dict(v) for k, v in (stored.get("values") or {}).items()},
        sets=dict(stored.get("sets") or {}),
        fixed=fixed,
        imported_by=job.user.get_username()[:150] if job.user else "",
        user=job.user,
    )


def start(job_id: int) -> threading.Thread:
    """Run job `job_id` in a background thread (call it after the job is committed)."""
    thread = threading.Thread(target=_in_thread, args=(job_id,), name=f"import-{job_id}")
    thread.daemon = True
    thread.start()
    return thread


def _in_thread(job_id: int) -> None:
    try:
        run(job_id)
    except Exception:  # the job records its error; nothing may escape a thread unlogged
        log.exception("import job %s failed", job_id)
    finally:
        connection.close()


def run(job_id: int) -> ImportJob:
    """Run a queued job to its end: state running, then done (with the result) or failed
    (with the error). Another state is left as it is (a job runs once)."""
    progress = _Progress(job_id)
    progress.hold()  # before the claim: a running job is always held
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING
    )
    job = ImportJob.objects.select_related("municipality", "user").get(pk=job_id)
    if not claimed:
        progress.close()
        return job
    try:
        options = options_for(job)
        options.progress = progress
        result = batches.run_import(options)
    except ImportFileError as error:
        _finish(job, ImportJob.State.FAILED, error=str(error), rows=progress.rows)
    except Exception as error:
        log.exception("import job %s failed", job_id)
        _finish(job, ImportJob.State.FAILED, error=type(error).__name__, rows=progress.rows)
    else:
        _finish(job, ImportJob.State.DONE, result=result.as_dict(), rows=progress.rows)
    finally:
        progress.close()
        uploads.discard(job.file_path)
    job.refresh_from_db()
    return job


def _finish(job: ImportJob, state: str, *, rows: int, result=None, error: str = "") -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        state=state, result=result, error=error[:2000], rows_read=rows, finished_at=timezone.now()
    )


#: The first key of the advisory locks that running jobs hold (the second is the job's id).
_LOCK_SPACE = 0x7279


class _Progress:
    """The job's `progress` callback: writes rows read through a connection of its own, which
    also holds the job's advisory lock while it runs."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.rows = 0
        self._connection = None

    def _cursor(self):
        if self._connection is None:
            self._connection = connections.create_connection("default")
        return self._connection.cursor()

    def hold(self) -> None:
        """Take the job's advisory lock, held until :meth:`close` (or the process's end)."""
        with self._cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_SPACE, self.job_id])

    def __call__(self, rows: int) -> None:
        self.rows = rows
        with self._cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET rows_read = %s WHERE id = %s",
                [rows, self.job_id],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def settle(job: ImportJob) -> ImportJob:
    """`job`, recorded as failed when it is marked running but no process holds it any more
    (the web process died mid-import; its transaction was rolled back, nothing was imported)."""
    if job.state != ImportJob.State.RUNNING:
        return job
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_SPACE, job.pk])
        (free,) = cursor.fetchone()
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_SPACE, job.pk])
    if free:
        message = _(
            "The import was interrupted (the server stopped while it ran); nothing was "
            "imported. Upload the file again."
        )
        ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING).update(
            state=ImportJob.State.FAILED, error=message, finished_at=timezone.now()
        )
        uploads.discard(job.file_path)
        job.refresh_from_db()
    return job


#: An upload left on its mapping page this long, never imported, is abandoned: its file goes.
ABANDONED_AFTER = timedelta(hours=24)


def sweep_abandoned(older_than: timedelta = ABANDONED_AFTER) -> int:
    """Remove the kept files of uploads that were never imported and are older than
    `older_than`, and record their jobs as failed; return how many. Run on every new upload
    and by `trygg imports sweep`, so a left upload never holds disk space for long."""
    cutoff = timezone.now() - older_than
    stale = list(
        ImportJob.objects.filter(state=ImportJob.State.QUEUED, created_at__lt=cutoff).only(
            "pk", "file_path"
        )
    )
    for job in stale:
        uploads.discard(job.file_path)
    ImportJob.objects.filter(pk__in=[job.pk for job in stale]).update(
        state=ImportJob.State.FAILED,
        error=_("The upload was left without being imported and has been removed."),
        finished_at=timezone.now(),
    )
    return len(stale)


def status(job: ImportJob) -> dict:
    """The job as the page's status endpoint answers it."""
    job = settle(job)
    return {
        "job": job.pk,
        "state": job.state,
        "rows_read": job.rows_read,
        "rows": (job.options or {}).get("rows"),
        "result": _figures(job.result) if job.result else None,
        "error": job.error or None,
    }


def _figures(result: dict) -> dict:
    return {
        "batch": result.get("batch"),
        **{k: result.get(k, 0) for k in ("created", "updated", "unchanged", "removed")},
        "rejected": len(result.get("rejected") or []),
        "rejected_rows": (result.get("rejected") or [])[:200],
    }

"""One analysis of one municipality as a job: the plain function that the nightly dask batch
and the recompute page's background task both run.

:func:`run_analysis` takes a municipality code and an analysis name (``heatmap``, ``gistar``,
``emerging``, ``prioritise``), computes and stores the analysis with the same functions as the
commands (:mod:`gis.hotspots.runs`, :mod:`gis.fixes.persist`) and records a
:class:`~gis.jobs.models.JobRun` (start, end, status, error, the stored run). It never raises
for a failing analysis: the error is recorded and returned, so one municipality's failure
never stops another's.

It is idempotent: before computing it takes a fingerprint of the analysis' inputs (every row
of the tables it reads for that municipality, its parameters and the day of the analysis, in
the installation's time zone) and skips the analysis when a run with that fingerprint already
succeeded. A rerun the same night on the same data therefore does nothing; a new pin, a
changed lamp or the next day makes it compute again.

Two workers given the same job at once (the nightly batch and a coordinator's recompute, or two
batches) do not both compute it: a job holds a PostgreSQL advisory lock of its (municipality,
analysis) on the primary while it runs, so the second waits, then finds the first's run done for
the same inputs and skips. The lock belongs to the worker's database session, so a worker that
dies releases it with its connection; the next job of that pair finds the dead worker's record
still ``running`` and marks it failed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection
from django.utils import timezone

from gis.core.models import Municipality
from gis.fixes.models import Fix
from gis.fixes.persist import ANSWERING_FIX_STATUSES, default_params, recompute
from gis.hotspots import runs
from gis.hotspots.models import AnalysisRun
from gis.jobs.models import Analysis, JobRun
from layers import models as layers
from walks import models as walks

log = logging.getLogger(__name__)

#: Every analysis a job can run, in the order the nightly batch submits them.
ANALYSES: tuple[str, ...] = tuple(Analysis.values)

_REPORTS = (walks.ResidentPin, walks.WalkFinding, layers.Incident)
#: The tables each analysis reads, filtered by municipality (the fingerprint's rows).
INPUTS = {
    Analysis.HEATMAP: _REPORTS,
    Analysis.GISTAR: (*_REPORTS, layers.StreetSegment),
    Analysis.EMERGING: (*_REPORTS, layers.StreetSegment),
    Analysis.PRIORITISE: (
        *_REPORTS,
        layers.StreetSegment,
        layers.GreenArea,
        layers.StreetLamp,
        layers.Property,
        layers.LuxReading,
        layers.Vegetation,
        layers.Camera,
    ),
}
#: The parameters of the hot-spot analyses (the runners' defaults), part of the fingerprint.
HOTSPOT_PARAMS = {
    "cell_size": runs.DEFAULT_CELL_SIZE_M,
    "distance": runs.DEFAULT_DISTANCE_M,
    "months": runs.DEFAULT_MONTHS,
    "time_window": runs.DEFAULT_TIME_WINDOW,
}


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a job did: ``done``, ``skipped`` (inputs unchanged) or ``failed`` (with the error)."""

    municipality: str
    analysis: str
    status: str
    seconds: float = 0.0
    job: int | None = None
    run: int | None = None
    error: str = ""
    summary: dict = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-safe, for a task's stored return value."""
        return dataclasses.asdict(self)


def _table_digest(model, municipality_id: int) -> str:
    """Count and MD5 of every row (all columns, ordered by key) of a municipality's records."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY t.id)), '') "
            f"FROM {table} t WHERE t.municipality_id = %s",
            [municipality_id],
        )
        count, digest = cursor.fetchone()
    return f"{model._meta.label}:{count}:{digest}"


def _answered_fixes(municipality_id: int) -> str:
    """The done fixes the ranking sets reports aside for (their place, type and date)."""
    rows = (
        Fix.objects.filter(
            municipality_id=municipality_id,
            status__in=ANSWERING_FIX_STATUSES,
            done_at__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", "fix_type", "done_at", "geom")
    )
    return (
        "fixes:"
        + hashlib.sha256(repr([(a, b, c, str(d)) for a, b, c, d in rows]).encode()).hexdigest()
    )


def _params(municipality: Municipality, analysis: str) -> dict:
    if analysis == Analysis.PRIORITISE:
        return dataclasses.asdict(default_params(municipality))
    return HOTSPOT_PARAMS


def fingerprint(municipality: Municipality, analysis: str, now: datetime) -> str:
    """The sha256 of an analysis' inputs for a municipality on the day of `now`."""
    parts = [analysis, timezone.localdate(now).isoformat()]
    parts += [_table_digest(model, municipality.pk) for model in INPUTS[analysis]]
    if analysis == Analysis.PRIORITISE:
        parts.append(_answered_fixes(municipality.pk))
    parts.append(json.dumps(_params(municipality, analysis), sort_keys=True, default=str))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _heatmap(municipality: Municipality, now: datetime, user) -> AnalysisRun:
    return runs.run_heatmap(municipality, until=now, user=user)


def _gistar(municipality: Municipality, now: datetime, user) -> AnalysisRun:
    return runs.run_gistar(
        municipality,
        until=now,
        cell_size=HOTSPOT_PARAMS["cell_size"],
        distance=HOTSPOT_PARAMS["distance"],
        user=user,
    )


def _emerging(municipality: Municipality, now: datetime, user) -> AnalysisRun:
    return runs.run_emerging(
        municipality,
        end=now,
        months=HOTSPOT_PARAMS["months"],
        cell_size=HOTSPOT_PARAMS["cell_size"],
        distance=HOTSPOT_PARAMS["distance"],
        time_window=HOTSPOT_PARAMS["time_window"],
        user=user,
    )


def _prioritise(municipality: Municipality, now: datetime, user) -> AnalysisRun:
    return recompute(municipality, as_of=now, user=user).run


RUNNERS: dict[str, Callable[[Municipality, datetime, object], AnalysisRun]] = {
    Analysis.HEATMAP: _heatmap,
    Analysis.GISTAR: _gistar,
    Analysis.EMERGING: _emerging,
    Analysis.PRIORITISE: _prioritise,
}


#: The error recorded on a job found ``running`` by the next job of its pair: its worker ended
#: (killed, or its machine stopped) before the job did.
STOPPED = "stopped before it ended: its worker ended"


def lock_key(analysis: str) -> int:
    """The first key of the advisory locks of `analysis` jobs (a signed 32-bit integer; the
    second key is the municipality's primary key)."""
    return zlib.crc32(f"trygg.jobs:{analysis}".encode()) - 2**31


@contextmanager
def exclusive(municipality_id: int, analysis: str) -> Iterator[None]:
    """Hold the session-level advisory lock of one (municipality, analysis) job on the primary,
    waiting for a worker that holds it. Released at the end, or with the connection."""
    keys = [lock_key(analysis), municipality_id]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", keys)
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", keys)
        except DatabaseError:  # a broken session: closing it releases the lock
            connection.close()


def _close_stopped(municipality: Municipality, analysis: str) -> int:
    """Mark failed the jobs of this pair still recorded as running: with the pair's lock held,
    none of them is running any more. How many."""
    return JobRun.objects.filter(
        municipality=municipality, analysis=analysis, status=JobRun.Status.RUNNING
    ).update(status=JobRun.Status.FAILED, error=STOPPED, ended=timezone.now())


def one_line(error: BaseException) -> str:
    """An error as one line for the record and the terminal."""
    text = str(error).strip().splitlines()
    message = text[0] if text else ""
    if isinstance(error, ValueError) and message:
        return message[:500]
    return f"{type(error).__name__}: {message}"[:500]


def run_analysis(
    code: str,
    analysis: str,
    *,
    user_id: int | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> dict:
    """Run one analysis of one municipality as a recorded, idempotent job.

    Parameters
    ----------
    code : str
        The municipality's code.
    analysis : str
        One of :data:`ANALYSES`.
    user_id : int, optional
        Who asked for it (the stored run's ``created_by``); None for the nightly batch.
    force : bool
        Compute even when a run with the same input fingerprint succeeded.
    now : datetime, optional
        Aware end of the analysed period and the ranking's date; now when omitted.

    Returns
    -------
    dict
        :class:`Outcome` as a dict: status ``done``, ``skipped`` or ``failed`` (with ``error``).
        An unknown municipality or analysis is a ``failed`` outcome naming it.
    """
    started = time.perf_counter()
    if analysis not in ANALYSES:
        error = f"analysis must be one of {', '.join(ANALYSES)}, got {analysis!r}"
        return Outcome(code, analysis, "failed", error=error).as_dict()
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        return Outcome(code, analysis, "failed", error=f"unknown municipality {code!r}").as_dict()
    now = timezone.now() if now is None else now
    with exclusive(municipality.pk, analysis):
        _close_stopped(municipality, analysis)
        return _run_locked(municipality, analysis, user_id, force, now, started)


def _run_locked(
    municipality: Municipality,
    analysis: str,
    user_id: int | None,
    force: bool,
    now: datetime,
    started: float,
) -> dict:
    """The body of :func:`run_analysis`, with the pair's lock held."""
    code = municipality.code
    inputs = fingerprint(municipality, analysis, now)
    if not force:
        done = (
            JobRun.objects.filter(
                municipality=municipality,
                analysis=analysis,
                fingerprint=inputs,
                status=JobRun.Status.DONE,
            )
            .order_by("-started")
            .first()
        )
        if done is not None:
            seconds = time.perf_counter() - started
            return Outcome(code, analysis, "skipped", seconds, done.pk, done.run_id).as_dict()
    job = JobRun.objects.create(
        municipality=municipality,
        analysis=analysis,
        fingerprint=inputs,
        started=timezone.now(),
        status=JobRun.Status.RUNNING,
    )
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        run = RUNNERS[analysis](municipality, now, user)
    except Exception as error:  # recorded: one municipality's failure never stops the others
        if isinstance(error, ValueError):  # the analysis refused its data: said in one line
            log.warning("%s of %s failed: %s", analysis, code, one_line(error))
        else:
            log.exception("%s of %s failed", analysis, code)
        job.status = JobRun.Status.FAILED
        job.error = one_line(error)
        job.ended = timezone.now()
        job.save(update_fields=["status", "error", "ended"])
        seconds = time.perf_counter() - started
        return Outcome(code, analysis, "failed", seconds, job.pk, error=job.error).as_dict()
    job.status = JobRun.Status.DONE
    job.run = run
    job.ended = timezone.now()
    job.save(update_fields=["status", "run", "ended"])
    seconds = time.perf_counter() - started
    summary = {k: v for k, v in run.summary.items() if isinstance(v, int | float | str)}
    return Outcome(code, analysis, "done", seconds, job.pk, run.pk, summary=summary).as_dict()

"""The nightly batch on dask.distributed: every (municipality, analysis) pair an independent task.

:func:`run_batch` submits :func:`gis.jobs.dasktask.analyse` for each pair to a dask client and
collects the outcomes as they complete, reporting each one (the terminal's progress). A task
that fails records its error and returns it; a task whose worker dies is reported failed here.
Either way the other tasks go on. :func:`local_client` starts the local cluster of
``trygg nightly`` without ``--scheduler``: one single-threaded worker process per worker, since
the analyses hold the GIL in numpy, shapely and pandas only part of the time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence

from gis.jobs import dasktask
from gis.jobs.analyses import ANALYSES, one_line

Report = Callable[[int, int, dict], None]


def plan(codes: Iterable[str], analyses: Sequence[str] = ANALYSES) -> list[tuple[str, str]]:
    """The (municipality, analysis) pairs of a batch, municipality by municipality."""
    return [(code, analysis) for code in codes for analysis in analyses]


def local_client(workers: int):
    """A dask client on a new local cluster of `workers` single-threaded worker processes."""
    from dask.distributed import Client, LocalCluster

    for name in ("distributed", "distributed.worker", "distributed.scheduler", "distributed.nanny"):
        logging.getLogger(name).setLevel(logging.ERROR)
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_port=0,
        silence_logs=logging.ERROR,
    )
    return Client(cluster)


def run_batch(
    pairs: Sequence[tuple[str, str]],
    client,
    *,
    force: bool = False,
    report: Report | None = None,
    function: Callable[..., dict] = dasktask.analyse,
) -> list[dict]:
    """Run each pair as a dask task on `client`; the outcomes in the order they completed.

    Parameters
    ----------
    pairs : sequence of (str, str)
        Municipality code and analysis of each task.
    client : distributed.Client
    force : bool
        Compute even what is done for the same inputs.
    report : callable, optional
        Called as ``report(done, total, outcome)`` after each task (the progress).
    function : callable
        The task body, ``function(code, analysis, force) -> outcome dict``.

    Returns
    -------
    list of dict
        One outcome a pair (see :class:`gis.jobs.analyses.Outcome`).
    """
    from dask.distributed import as_completed

    started = time.monotonic()
    futures = {
        client.submit(function, code, analysis, force, pure=False, retries=0): (code, analysis)
        for code, analysis in pairs
    }
    outcomes = []
    for future in as_completed(futures):
        code, analysis = futures[future]
        try:
            outcome = future.result()
        except Exception as error:  # the worker died or the task could not run at all
            outcome = {
                "municipality": code,
                "analysis": analysis,
                "status": "failed",
                "seconds": time.monotonic() - started,
                "job": None,
                "run": None,
                "error": one_line(error),
                "summary": {},
            }
        future.release()
        outcomes.append(outcome)
        if report is not None:
            report(len(outcomes), len(futures), outcome)
    return outcomes


def failures(outcomes: Iterable[dict]) -> list[dict]:
    """The failed outcomes."""
    return [o for o in outcomes if o["status"] == "failed"]

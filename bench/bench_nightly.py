"""Benchmark of the nightly batch (``trygg nightly``): dask workers against serial, and all
municipalities loaded.

Usage (from the project root)::

    .venv/bin/python bench/bench_nightly.py                      # 8 municipalities, 2 workers
    .venv/bin/python bench/bench_nightly.py --municipalities 4 --compare 2 --workers 2

The bench database (``trygg_nightly_bench`` on the embedded cluster) is created and the demo
loaded into it once (``trygg demo --no-serve``). The other municipalities are copies of the
demo made in SQL (seeded by their number, nothing random): every layer the analyses read
(pins, findings, incidents, street segments, green areas, lamps, properties, lux readings,
vegetation, cameras) copied with its geometry moved 50 km east per copy, so each copy is a
municipality of its own with the demo's size and shape.

In one run, every analysis forced (``force``: the idempotency check would skip them):

1. serial: the ``--compare`` first municipalities, each analysis after the other in this
   process (:func:`gis.jobs.analyses.run_analysis`), the reference;
2. the same municipalities as a dask batch on a local cluster of ``--workers`` processes
   (:func:`gis.jobs.batch.run_batch`), the cluster's start-up timed apart;
3. all municipalities on the same cluster;
4. all municipalities again without ``force``: every task skips (the cost of the fingerprints).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATABASE = "trygg_nightly_bench"
COPY_PREFIX = "bench-"
STEP_M = 50_000.0
#: The tables each copy gets (every layer an analysis reads; see gis.jobs.analyses.INPUTS).
COPIED = (
    "walks.ResidentPin",
    "walks.WalkFinding",
    "layers.Incident",
    "layers.StreetSegment",
    "layers.GreenArea",
    "layers.StreetLamp",
    "layers.Property",
    "layers.LuxReading",
    "layers.Vegetation",
    "layers.Camera",
)


def _copy_table(cursor, model, source_id: int, target_id: int, k: int) -> int:
    """Copy a municipality's rows of one table into another, moved k * STEP_M east.

    Geometry is translated; single-column unique values other than the key are made unique
    (uuids new from md5, texts suffixed); nullable references to other municipal rows are
    cleared, the non-null ones (a finding's walk) kept."""
    from django.contrib.gis.db.models import GeometryField

    table = model._meta.db_table
    uniques = set()
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            uniques.add(field.column)
    values, columns = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        columns.append(f'"{column}"')
        if column == "municipality_id":
            values.append(str(target_id))
        elif isinstance(field, GeometryField):
            values.append(f'ST_Translate("{column}", {k * STEP_M}, 0)')
        elif column in uniques and field.get_internal_type() == "UUIDField":
            values.append(f"md5(\"{column}\"::text || '{k}')::uuid")
        elif column in uniques:
            values.append(f"\"{column}\" || '-{k}'")
        elif (
            field.is_relation
            and field.null
            and field.related_model._meta.app_label
            in (
                "layers",
                "walks",
            )
        ):
            values.append("NULL")
        else:
            values.append(f'"{column}"')
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {table} WHERE municipality_id = %s",
        [source_id],
    )
    return cursor.rowcount


def make_copies(count: int) -> list[str]:
    """The demo and `count - 1` copies of it (made once); their codes."""
    from django.apps import apps
    from django.db import connection, transaction

    from gis.core.models import Municipality
    from gis.demo.load import demo_municipality

    demo = demo_municipality()
    codes = [demo.code]
    for k in range(1, count):
        code = f"{COPY_PREFIX}{k:03d}"
        codes.append(code)
        if Municipality.objects.filter(code=code).exists():
            continue
        started = time.perf_counter()
        with transaction.atomic():
            copy = Municipality.objects.create(code=code, name=f"Kopia {k}", boundary=demo.boundary)
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE layers_municipality SET boundary = ST_Translate(boundary, %s, 0) "
                    "WHERE id = %s",
                    [k * STEP_M, copy.pk],
                )
                rows = sum(
                    _copy_table(cursor, apps.get_model(label), demo.pk, copy.pk, k)
                    for label in COPIED
                )
        print(f"copy {code}: {rows} rows in {time.perf_counter() - started:.1f} s")
    return codes


def serial(codes: list[str]) -> tuple[float, list[dict]]:
    from gis.jobs.analyses import ANALYSES, run_analysis

    started = time.perf_counter()
    outcomes = [run_analysis(code, a, force=True) for code in codes for a in ANALYSES]
    return time.perf_counter() - started, outcomes


def on_dask(client, codes: list[str], force: bool) -> tuple[float, list[dict]]:
    from gis.jobs.batch import plan, run_batch

    started = time.perf_counter()
    outcomes = run_batch(plan(codes), client, force=force)
    return time.perf_counter() - started, outcomes


def _counts(outcomes: list[dict]) -> str:
    statuses = [o["status"] for o in outcomes]
    return ", ".join(f"{s} {statuses.count(s)}" for s in ("done", "skipped", "failed"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=int, default=8, help="loaded in all")
    parser.add_argument("--compare", type=int, default=2, help="of them, run serially too")
    parser.add_argument("--workers", type=int, default=2, help="local dask workers")
    args = parser.parse_args(argv)
    if args.municipalities < 1 or not 1 <= args.compare <= args.municipalities:
        parser.error("need 1 <= --compare <= --municipalities")
    if args.workers < 1:
        parser.error(f"--workers must be >= 1, got {args.workers}")

    from gis.drills.phones import SETTINGS, prepare_database

    os.environ.update({"DJANGO_SETTINGS_MODULE": SETTINGS, "TRYGG_DB_NAME": DATABASE})
    os.environ["TRYGG_LOG_LEVEL"] = "ERROR"
    from gis.embedded_db import EmbeddedCluster

    cluster = EmbeddedCluster()
    started_cluster = cluster.start()
    try:
        prepare_database(DATABASE)
        import django

        django.setup()
        import logging

        logging.getLogger("gis.jobs.analyses").setLevel(logging.CRITICAL)
        from gis.jobs import dasktask
        from gis.jobs.analyses import ANALYSES
        from gis.jobs.batch import local_client

        codes = make_copies(args.municipalities)
        compared = codes[: args.compare]
        print(
            f"{len(codes)} municipalities (the demo and copies), {len(ANALYSES)} analyses each, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n"
        )
        t_serial, out_serial = serial(compared)
        t0 = time.perf_counter()
        client = local_client(args.workers)
        client.run(dasktask.warm)  # as trygg nightly does: Django set up in every worker
        t_start = time.perf_counter() - t0
        try:
            t_dask, out_dask = on_dask(client, compared, force=True)
            t_all, out_all = on_dask(client, codes, force=True)
            t_skip, out_skip = on_dask(client, codes, force=False)
        finally:
            client.close()
            client.cluster.close()
        n = len(compared) * len(ANALYSES)
        print(f"{'phase':<46} {'tasks':>5} {'seconds':>8}  outcomes")
        row = "{:<46} {:>5} {:8.1f}  {}"
        print(row.format("serial, in this process (reference)", n, t_serial, _counts(out_serial)))
        label = f"dask, {args.workers} worker processes"
        print(f"{label:<46} {n:>5} {t_dask:8.1f}  {_counts(out_dask)}")
        print(f"{'  speed-up against serial':<46} {'':>5} {t_serial / t_dask:7.2f}x")
        print(f"{'  cluster start-up and warm-up (not counted)':<46} {'':>5} {t_start:8.1f}")
        m = len(codes) * len(ANALYSES)
        print(row.format(f"all {len(codes)} municipalities, dask", m, t_all, _counts(out_all)))
        print(f"{'  per municipality':<46} {'':>5} {t_all / len(codes):8.1f}")
        print(
            f"{'rerun, same data (every task skips)':<46} {m:>5} {t_skip:8.1f}  {_counts(out_skip)}"
        )
        print("\nseconds per task by analysis (mean): serial, and in a dask worker (all)")
        for analysis in ANALYSES:
            means = [
                sum(o["seconds"] for o in out if o["analysis"] == analysis)
                / max(1, sum(o["analysis"] == analysis for o in out))
                for out in (out_serial, out_all)
            ]
            print(f"  {analysis:<12} {means[0]:6.1f} {means[1]:6.1f}")
        failed = [o for o in out_serial + out_dask + out_all if o["status"] == "failed"]
        for o in failed[:5]:
            print(f"failed: {o['municipality']} {o['analysis']}: {o['error']}")
        print(f"load average after {os.getloadavg()[0]:.1f}")
        return 1 if failed else 0
    finally:
        from django.db import connections

        connections.close_all()
        if started_cluster:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

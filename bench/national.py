"""National volume: does one municipality's cost grow with the other municipalities' data?

Builds N synthetic municipalities (gis.drills.national: seeded; street network, lamps, resident
pins, incidents, safety walks and their findings, ranked fixes), written with COPY into a
database of their own (``trygg_national`` in the embedded cluster, dropped at the end unless
--keep), and measures in the same run, for municipality 0:

1. with only municipality 0 loaded: the report tiles at z13-z16 (the tiles over the centre
   of the municipality), the dashboard counts, the situation picture, the work list and the
   Open311 request list, each through its view as a planner of the municipality (Django's test
   client, so the figures are the view and its SQL without HTTP), best of --rounds, with the
   cache emptied before every request;
2. the other N - 1 municipalities loaded (load time, rows, database size);
3. the same reads again, and the ratio of each to its one-municipality figure (goal <= 1.2).

Municipality 0 alone is kept in a second database (``trygg_national_one``, built the same
way, seed for seed), so that both are measured alike and in turn: --repeats times, a fresh
Python process on the one, then one on the other (this script started again with
``--measure``), each the best of --rounds; a read's figure is the best over the repeats, and
its spread over them is printed too, as a measure of the machine's noise. Before measuring,
both databases are settled (``VACUUM (ANALYZE)`` of the generated tables and a
``CHECKPOINT``), so no autovacuum or checkpoint of the load runs beside the reads. Measured
in the process that had just generated millions of rows, on a database just loaded, the same
reads took 1.3-2.1x as long: that was the loading process's state and the load's after-work,
not the other municipalities' data.

    .venv/bin/python bench/national.py                                # 100 x 50,000 pins
    .venv/bin/python bench/national.py --municipalities 20 --pins 200000   # a smaller run
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DB_NAME = "trygg_national"
#: Municipality 0 alone, for the one-municipality figures.
ONE_DB = "trygg_national_one"
BENCH_USER = "national-bench"
ZOOMS = (13, 14, 15, 16)
GOAL = 1.2


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipalities", type=int, default=100, help="N (default 100)")
    parser.add_argument("--pins", type=int, default=5_000_000, help="pins in all (5,000,000)")
    parser.add_argument("--rounds", type=int, default=3, help="best of, in a process (3)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="measuring processes on each database, in turn (3)"
    )
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument(
        "--keep", action="store_true", help=f"keep the databases {DB_NAME} and {ONE_DB}"
    )
    # Internal: measure the reads in this (fresh) process and print them as JSON.
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    # Internal: build municipality 0 alone in this database, print its rows as JSON.
    parser.add_argument("--prepare-one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.municipalities < 2:
        parser.error("--municipalities: at least 2")
    if args.pins < args.municipalities * 100:
        parser.error("--pins: at least 100 a municipality")
    if args.rounds < 1:
        parser.error("--rounds: at least 1")
    if args.repeats < 1:
        parser.error("--repeats: at least 1")
    return args


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def execute(cluster, dbname: str, *statements: str) -> None:
    """Run `statements` in `dbname` of the embedded cluster, each in its own transaction."""
    import psycopg

    from gis.embedded_db import DB_USER

    conn = psycopg.connect(host=str(cluster.run_dir), user=DB_USER, dbname=dbname, autocommit=True)
    with conn:
        for statement in statements:
            conn.execute(statement)


def fresh_database(cluster, name: str) -> None:
    execute(cluster, "postgres", f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    execute(cluster, name, "CREATE EXTENSION IF NOT EXISTS postgis")


def drop_database(cluster, name: str) -> None:
    execute(cluster, "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_first(per: int, seed: int) -> dict[str, int]:
    """Migrate this process's database, build municipality 0 in it and give it the bench's
    planner; its rows."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from gis.core.models import Municipality
    from gis.drills import national

    call_command("migrate", interactive=False, verbosity=0)
    rows = national.build(0, per, seed=seed)
    user = User.objects.create_user(BENCH_USER)
    user.groups.add(Group.objects.get(name="planner"))
    Municipality.objects.get(code=national.code(0)).staff.add(user)
    return rows


def reads(municipality) -> list[tuple[str, list[str]]]:
    """The measured reads: (name, URLs); a read's time is the mean over its URLs."""
    from django.urls import reverse

    from gis.drills import national

    query = f"?municipality={municipality.code}"
    tiles_base = reverse("dashboard-api:tile", args=["reports", 0, 0, 0]).rsplit("/", 3)[0]
    keys = national.centre_tiles(municipality, 500, ZOOMS)
    out = [
        (
            f"report tiles z{z}",
            [f"{tiles_base}/{z}/{x}/{y}.pbf{query}" for (zz, x, y) in keys if zz == z],
        )
        for z in ZOOMS
    ]
    out.append(("dashboard counts", [reverse("dashboard-api:counts") + query]))
    out.append(("situation picture", [reverse("dashboard:situation") + query]))
    out.append(("work list", [reverse("fixes:list") + query]))
    open311 = reverse("walks_api:open311-requests-json")
    out.append(("Open311 request list", [f"{open311}?jurisdiction_id={municipality.code}"]))
    return out


def measure(client, measured: list[tuple[str, list[str]]], rounds: int) -> dict[str, float]:
    """Seconds per read: mean over its URLs of the best of `rounds`, every cache (the tile
    cache too) emptied first, so that each read is made, not answered from a cache."""
    from django.core.cache import caches

    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, urls in measured:
            for url in urls:
                for cache in caches.all():
                    cache.clear()
                start = time.perf_counter()
                response = client.get(url)
                seconds = time.perf_counter() - start
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: {url} answered {response.status_code}")
                key = f"{name}\0{url}"
                best[key] = min(best.get(key, math.inf), seconds)
    out = {}
    for name, urls in measured:
        out[name] = sum(best[f"{name}\0{url}"] for url in urls) / len(urls)
    return out


def settle() -> float:
    """VACUUM (ANALYZE) the generated tables and CHECKPOINT, so that the reads are measured on
    a database at rest (no autovacuum or checkpoint of the load beside them); seconds taken."""
    from django.db import connection

    from gis.drills import national

    started = time.perf_counter()
    national.analyze(vacuum=True)
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - started


def measure_here(rounds: int) -> dict[str, float]:
    """The reads of municipality 0 measured in this process (``--measure``): as its planner,
    warmed by one round, then the best of `rounds`."""
    from django.contrib.auth.models import User
    from django.test import Client

    from gis.core.models import Municipality
    from gis.drills import national

    municipality = Municipality.objects.get(code=national.code(0))
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=BENCH_USER))
    measured = reads(municipality)
    measure(client, measured, 1)  # warm: imports, caches of the process
    return measure(client, measured, rounds)


def in_child(database: str, *options: str) -> object:
    """This script run again in a fresh Python process on `database` with `options`; the JSON
    it prints last."""
    done = subprocess.run(
        [sys.executable, __file__, *options],
        env={**os.environ, "TRYGG_DB_NAME": database},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(options)} failed: {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sizes() -> list[tuple[str, int, int]]:
    from django.db import connection

    from gis.drills import national

    out = []
    with connection.cursor() as cursor:
        for table in national.BIG_TABLES:
            cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
            rows, size = cursor.fetchone()
            out.append((table, rows, size))
        cursor.execute("SELECT pg_database_size(current_database())")
        out.append(("database", 0, cursor.fetchone()[0]))
    return out


def main() -> int:
    args = arguments()
    per = args.pins // args.municipalities
    if args.measure or args.prepare_one:  # a child, on the database its parent named
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.demo")
        import django

        django.setup()
        if args.measure:
            print(json.dumps(measure_here(args.rounds)))
        else:
            rows = prepare_first(per, args.seed)
            settle()
            print(json.dumps(rows))
        return 0
    if os.environ.get("DATABASE_URL"):
        print(
            "bench/national.py builds its own database in the embedded cluster: unset DATABASE_URL"
        )
        return 2
    os.environ["TRYGG_DB_NAME"] = DB_NAME
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.demo")
    from gis.embedded_db import EmbeddedCluster

    cluster = EmbeddedCluster()
    started = cluster.start()
    for name in (DB_NAME, ONE_DB):
        fresh_database(cluster, name)
    import django

    django.setup()
    from django.db import connection

    from gis.core.models import Municipality
    from gis.drills import national

    print(f"load average at the start: {load_average()}")
    try:
        t0 = time.perf_counter()
        rows = in_child(ONE_DB, "--prepare-one", *child_options(args))
        print(
            f"{ONE_DB}: migrated, municipality {national.code(0)} ({rows}) built and settled in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        t0 = time.perf_counter()
        prepare_first(per, args.seed)
        print(
            f"{DB_NAME}: migrated, municipality {national.code(0)} built in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        t0 = time.perf_counter()
        for number in range(1, args.municipalities):
            national.build(number, per, seed=args.seed)
            if number % 10 == 0:
                elapsed = time.perf_counter() - t0
                print(f"  {number + 1} municipalities loaded, {elapsed:.0f} s", flush=True)
        load = time.perf_counter() - t0
        print(
            f"\n{args.municipalities - 1} more municipalities of {per:,} pins loaded with COPY in "
            f"{load:.1f} s (settled: VACUUM ANALYZE and CHECKPOINT in {settle():.1f} s)"
        )
        print(f"{'table':<22} {'rows':>12} {'MB':>9}")
        for table, count, size in sizes():
            shown = f"{count:>12,}" if table != "database" else f"{'':>12}"
            print(f"{table:<22} {shown} {size / 2**20:>9.0f}")

        measured = reads(Municipality.objects.get(code=national.code(0)))
        ones, manys = [], []
        for _ in range(args.repeats):  # in turn, so that a drift of the machine hits both
            ones.append(in_child(ONE_DB, "--measure", "--rounds", str(args.rounds)))
            manys.append(in_child(DB_NAME, "--measure", "--rounds", str(args.rounds)))
        print(
            f"\nMunicipality {national.code(0)}: views in fresh processes (Django test client, "
            f"cache emptied before each request), best of {args.rounds} in a process, best of "
            f"{args.repeats} processes a database, taken in turn; spread = slowest / fastest "
            "process"
        )
        head = ("read", "URLs", "1 mun. ms", "spread", f"{args.municipalities} mun. ms", "spread")
        print("{:<22} {:>5} {:>10} {:>7} {:>12} {:>7} {:>6}".format(*head, "ratio"))
        worst = 0.0
        for name, urls in measured:
            one = [figures[name] for figures in ones]
            many = [figures[name] for figures in manys]
            ratio = min(many) / min(one)
            worst = max(worst, ratio)
            row = (name, len(urls), min(one) * 1000, max(one) / min(one))
            row += (min(many) * 1000, max(many) / min(many), ratio)
            print("{:<22} {:>5} {:>10.1f} {:>7.2f} {:>12.1f} {:>7.2f} {:>6.2f}".format(*row))
        print(f"largest ratio {worst:.2f} (goal <= {GOAL})")
        print(f"load average at the end: {load_average()}")
        return 0
    finally:
        connection.close()
        if not args.keep:
            for name in (DB_NAME, ONE_DB):
                drop_database(cluster, name)
        if started:
            cluster.stop()


def child_options(args: argparse.Namespace) -> list[str]:
    """The options a child needs to build what its parent builds."""
    return [
        "--municipalities",
        str(args.municipalities),
        "--pins",
        str(args.pins),
        "--seed",
        str(args.seed),
    ]


if __name__ == "__main__":
    sys.exit(main())

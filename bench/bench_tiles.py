"""Vector-tile endpoint of the dashboard on the demo plus 100,000 generated pins, with 1 and with
100 municipalities loaded.

Adds seeded resident pins to the demo municipality of the embedded dev database (or the
database named by TRYGG_DB_NAME / DATABASE_URL), then measures in the same run, first with the
demo alone, then again after adding other municipalities (copies of the demo's boundary moved
away from it, each with seeded pins of its own):

1. per tile: the Django endpoint (/api/dashboard/tiles/reports/z/x/y.pbf behind gunicorn,
   one client, logged-in session) against the very same ST_AsMVT query run directly in
   PostgreSQL with psycopg, parameters bound on the client as Django binds them (target: at
   most 1.1x at every zoom), in turn tile by tile so that both meet the same load, over every
   tile of the demo at z13-z16 (clustered below POINTS_FROM_ZOOM, one feature per report from
   it on). The endpoint is timed twice: with the tile cache emptied before each request (a
   tile not made before: its SQL plus everything around it) and answered from the cache (the
   same tile again at the same version of the reports, gis.dashboard.tilecache); then the raw
   SQL of the tiles around that threshold both clustered and not;
2. latency under 20 concurrent clients on loopback, starting from an empty tile cache (p50 /
   p95, tiles per second; target p95 under 300 ms);
3. the queries one tile makes in the endpoint (counted in process: session, user with its
   permissions and memberships, the version of the reports, the tile unless cached);
4. writing a tile into a nearly full tile cache (MAX_ENTRIES files in its directory): the tile
   cache (gis.dashboard.tilefiles), which counts its files on one write in COUNT_EVERY, against
   the same cache counting them on every write as Django's file cache does.

The load average of the machine is printed before and after: the figures are only comparable
between runs on an otherwise idle machine.

The generated pins, municipalities and the bench user are deleted afterwards, also on failure.

    .venv/bin/python bench/bench_tiles.py [PINS [WORKERS]] [--municipalities 100]
                                          [--pins-per-municipality 1000]
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gis.loopback import free_port, wait_until_healthy  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.demo")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pins", nargs="?", type=int, default=100_000, help="pins in the demo")
    parser.add_argument("workers", nargs="?", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--municipalities",
        type=int,
        default=100,
        help="municipalities loaded in the second measurement, the demo included (1: only one)",
    )
    parser.add_argument(
        "--pins-per-municipality", type=int, default=1000, help="pins of each added municipality"
    )
    return parser.parse_args()


ARGS = arguments()
N_PINS = ARGS.pins
WORKERS = ARGS.workers
CLIENTS = 20
RATIO_TARGET = 1.10
P95_TARGET_MS = 300
ZOOMS = (13, 14, 15, 16)
ROUNDS = 3
SEED = 20261122
MARKER = f"bench-tiles {uuid.uuid4().hex[:8]}"
#: Code prefix of the added municipalities (deleted afterwards with their pins).
OTHER_PREFIX = f"bt{uuid.uuid4().hex[:6]}-"


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes (other work skews the figures)."""
    return "{:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg())


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tiles(bounds, zooms) -> list[tuple[int, int, int]]:
    west, south, east, north = bounds
    out = []
    for z in zooms:
        x0, y0 = tile_of(west, north, z)
        x1, y1 = tile_of(east, south, z)
        out += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return out


def add_pins(municipality, n: int, seed: int = SEED) -> int:
    """n seeded pins: half clustered around 40 places, half spread over the municipality."""
    import numpy as np
    import shapely
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from walks.models import Category, ResidentPin

    rng = np.random.default_rng(seed)
    boundary = shapely.from_wkb(bytes(municipality.boundary.wkb))
    xmin, ymin, xmax, ymax = boundary.bounds
    centres = rng.uniform((xmin, ymin), (xmax, ymax), size=(40, 2))
    half = n // 2
    clustered = centres[rng.integers(0, 40, half)] + rng.normal(0, 40, (half, 2))
    spread = rng.uniform((xmin, ymin), (xmax, ymax), size=(n - half, 2))
    xy = np.clip(np.vstack([clustered, spread]), (xmin, ymin), (xmax, ymax))
    categories = list(Category.objects.all())
    statuses = ["received", "triaged", "measure_planned", "feedback_given"]
    whens = ["day", "evening", "night"]
    now = timezone.now()
    srid = municipality.boundary.srid
    pins = [
        ResidentPin(
            municipality=municipality,
            category=categories[int(c)],
            when=whens[int(w)],
            description=MARKER,
            geom=Point(float(x), float(y), srid=srid),
            status=statuses[int(s)],
            reported_at=now - np.timedelta64(int(age), "m").item(),
        )
        for (x, y), c, w, s, age in zip(
            xy,
            rng.integers(0, len(categories), n),
            rng.integers(0, 3, n),
            rng.integers(0, 4, n),
            rng.integers(0, 730 * 24 * 60, n),
            strict=True,
        )
    ]
    ResidentPin.objects.bulk_create(pins, batch_size=5000)
    return n


def add_municipalities(demo, count: int, pins_each: int) -> int:
    """`count` municipalities shaped like the demo, moved 150 km apart in a row to the south of
    it (no tile of the demo touches them), each with `pins_each` seeded pins; returns the pins."""
    from gis.core.models import Municipality

    added = 0
    for index in range(count):
        other = Municipality.objects.create(
            name=f"Bench {index + 1:03d}",
            code=f"{OTHER_PREFIX}{index + 1:03d}",
            boundary=moved(demo.boundary, (index % 10) * 150_000, -(index // 10 + 1) * 150_000),
        )
        added += add_pins(other, pins_each, seed=SEED + index + 1)
    return added


def moved(geometry, dx: float, dy: float):
    """`geometry` moved by (dx, dy) metres (the storage CRS is metric)."""
    import numpy as np
    import shapely
    from django.contrib.gis.geos import GEOSGeometry

    offset = np.array([dx, dy])
    shape = shapely.transform(shapely.from_wkb(bytes(geometry.wkb)), lambda xy: xy + offset)
    return GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=geometry.srid)


def connect(dsn: dict):
    """A psycopg connection that sends SQL as Django does: parameters bound on the client, so
    the server plans the same text (no prepared statements)."""
    import psycopg

    return psycopg.connect(**dsn, cursor_factory=psycopg.ClientCursor)


def run_raw(conn, sql_for, key) -> tuple[float, int]:
    """Seconds and bytes of one tile's bare SQL."""
    sql, params = sql_for(*key)
    start = time.perf_counter()
    row = conn.execute(sql, params).fetchone()
    return time.perf_counter() - start, len(row[0]) if row and row[0] is not None else 0


def run_endpoint(port, key, query, cookie) -> tuple[float, int]:
    """Seconds and bytes of one tile from the endpoint."""
    z, x, y = key
    start = time.perf_counter()
    status, body = get(port, f"/api/dashboard/tiles/reports/{z}/{x}/{y}.pbf?{query}", cookie)
    seconds = time.perf_counter() - start
    if status != 200:
        raise RuntimeError(f"tile {z}/{x}/{y}: HTTP {status} {body[:200]!r}")
    return seconds, len(body)


def keep_best(best: dict, key, measured: tuple[float, int]) -> None:
    if key not in best or measured[0] < best[key][0]:
        best[key] = measured


def raw_times(sql_for, tile_list, dsn: dict) -> dict:
    """Seconds per tile of the bare SQL (best of ROUNDS), and bytes."""
    out: dict = {}
    with connect(dsn) as conn:
        for _ in range(ROUNDS):
            for key in tile_list:
                keep_best(out, key, run_raw(conn, sql_for, key))
    return out


def paired_times(sql_for, tile_list, dsn: dict, port, query, cookie) -> tuple[dict, dict, dict]:
    """Best of ROUNDS per tile of the bare SQL, of the endpoint making the tile (its cache
    emptied just before) and of the endpoint answering from its cache, taken in turn tile by
    tile so that all three meet the same load on the machine."""
    from django.core.cache import caches

    from gis.dashboard.tilecache import CACHE

    raw: dict = {}
    made: dict = {}
    cached: dict = {}
    with connect(dsn) as conn:
        for _ in range(ROUNDS):
            for key in tile_list:
                keep_best(raw, key, run_raw(conn, sql_for, key))
                caches[CACHE].clear()
                keep_best(made, key, run_endpoint(port, key, query, cookie))
                keep_best(cached, key, run_endpoint(port, key, query, cookie))
    return raw, made, cached


def threshold(tile_sql, tile_list, filters, dsn: dict, points_from: int) -> None:
    """Print raw SQL time and size of the tiles around the threshold, clustered and not."""
    print(f"\nAround the threshold (raw SQL, best of {ROUNDS}): clustered against every point")
    print(
        "{:>4} {:>5} {:>14} {:>14} {:>11} {:>11}".format(
            "zoom", "tiles", "clustered ms", "points ms", "cl. KB", "points KB"
        )
    )
    for z in (points_from - 1, points_from):
        keys = [k for k in tile_list if k[0] == z]
        results = [
            raw_times(
                lambda z, x, y, c=c: tile_sql("reports", z, x, y, filters, clustered=c), keys, dsn
            )
            for c in (True, False)
        ]
        row = [z, len(keys)]
        row += [sum(r[k][0] for k in keys) / len(keys) * 1000 for r in results]
        row += [sum(r[k][1] for k in keys) / len(keys) / 1024 for r in results]
        print("{:>4} {:>5} {:>14.1f} {:>14.1f} {:>11.1f} {:>11.1f}".format(*row))


#: What a query of the tile endpoint is, by the start of its SQL (gis.core.requestuser,
#: gis.dashboard.tilecache, gis.dashboard.tiles).
QUERY_KINDS = (
    ('SELECT "django_session"', "session"),
    ('SELECT "auth_user"', "user"),
    ("SELECT %s::regclass", "version"),
    ("WITH bounds AS", "tile"),
)


def tile_queries(client, tile_list, query: str) -> tuple[int, int, dict[str, float]]:
    """The queries one z16 report tile makes in the endpoint (in this process, the bench user's
    session) when it is made and when it comes from the cache, and the ms of each kind of query
    when made (best of ROUNDS * 5, timed around the driver's execute); after a first request, so
    that what a process reads once is not counted."""
    from django.core.cache import caches
    from django.db import connection

    from gis.dashboard.tilecache import CACHE

    z, x, y = next(k for k in tile_list if k[0] == ZOOMS[-1])
    path = f"/api/dashboard/tiles/reports/{z}/{x}/{y}.pbf?{query}"
    client.get(path, HTTP_HOST="localhost")
    seconds: dict[str, float] = {}
    made: list[str] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = next((name for head, name in QUERY_KINDS if sql.startswith(head)), sql[:30])
            made.append(kind)
            seconds[kind] = min(seconds.get(kind, math.inf), time.perf_counter() - start)

    counts = []
    for empty_first in [True] * ROUNDS * 5 + [False]:
        if empty_first:
            caches[CACHE].clear()
        made.clear()
        with connection.execute_wrapper(timed):
            response = client.get(path, HTTP_HOST="localhost")
        if response.status_code != 200:
            raise RuntimeError(f"tile {z}/{x}/{y} in process: HTTP {response.status_code}")
        counts.append(len(made))
    return counts[0], counts[-1], {kind: s * 1000 for kind, s in seconds.items()}


def full_cache_writes(tile: bytes, writes: int = 200) -> tuple[int, float, float]:
    """Mean ms of writing `tile` into a tile cache of MAX_ENTRIES - 2 * `writes` files (no cull
    in the measured writes): counting the files on every write (Django's file cache) against
    the tile cache's one write in COUNT_EVERY. Returns (files, Django's ms, the tile cache's ms)."""
    import tempfile

    from django.conf import settings
    from django.core.cache.backends.filebased import FileBasedCache

    from gis.dashboard.tilecache import CACHE
    from gis.dashboard.tilefiles import TileFileCache

    class CountingEveryWrite(TileFileCache):
        _cull = FileBasedCache._cull

    options = settings.CACHES[CACHE].get("OPTIONS", {})
    entries = options.get("MAX_ENTRIES", 300)
    files = entries - 2 * writes
    out = []
    with tempfile.TemporaryDirectory() as directory:
        for i in range(files):
            Path(directory, f"{i:032x}.djcache").write_bytes(b"")
        for backend in (CountingEveryWrite, TileFileCache):
            cache = backend(directory, {"OPTIONS": options})
            start = time.perf_counter()
            for i in range(writes):
                cache.set(f"{backend.__name__}-{i}", tile, 60)
            out.append((time.perf_counter() - start) / writes * 1000)
            cache.delete_many([f"{backend.__name__}-{i}" for i in range(writes)])
    return files, out[0], out[1]


def get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept": "*/*"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def concurrent(port, tile_list, query, cookie, clients: int, per_client: int) -> tuple:
    import random

    latencies: list[float] = []
    lock = threading.Lock()
    errors = []

    def client(index: int) -> None:
        rng = random.Random(SEED + index)
        mine = []
        for _ in range(per_client):
            z, x, y = rng.choice(tile_list)
            start = time.perf_counter()
            status, _ = get(port, f"/api/dashboard/tiles/reports/{z}/{x}/{y}.pbf?{query}", cookie)
            mine.append(time.perf_counter() - start)
            if status != 200:
                errors.append(status)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests under load: {errors[:5]}")
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return q[49], q[94], len(latencies) / wall, len(latencies)


def main() -> int:
    from gis.embedded_db import EmbeddedCluster

    cluster = None if os.environ.get("DATABASE_URL") else EmbeddedCluster()
    started = cluster.start() if cluster else False
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.http import QueryDict
    from django.test import Client
    from pyproj import Transformer

    from gis.core.models import Municipality
    from gis.dashboard.filters import parse_filters
    from gis.dashboard.queries import municipality_area
    from gis.dashboard.tiles import POINTS_FROM_ZOOM, tile_sql
    from gis.demo.load import demo_municipality, load_demo
    from walks.models import ResidentPin

    server = None
    user = None
    db = settings.DATABASES["default"]
    print(f"load average at the start: {load_average()}")
    try:
        t0 = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        load_demo()
        municipality = demo_municipality()
        before = ResidentPin.objects.filter(municipality=municipality).count()
        add_pins(municipality, N_PINS)
        print(
            f"demo {municipality.code}: {before:,} pins + {N_PINS:,} generated (seed {SEED}) "
            f"in {time.perf_counter() - t0:.1f} s; database {db['NAME']}"
        )
        with django.db.connection.cursor() as cursor:
            cursor.execute("ANALYZE walks_residentpin")

        area = municipality_area(municipality.pk)
        to_wgs84 = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True)
        tile_list = tiles(to_wgs84.transform_bounds(*area.extent), ZOOMS)
        query = f"municipality={municipality.code}"
        filters = parse_filters(QueryDict(query))

        user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}")
        user.groups.add(Group.objects.get(name="planner"))
        municipality.staff.add(user)
        client = Client()
        client.force_login(user)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

        port = free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
        env["TRYGG_DEBUG"] = "false"
        env["TRYGG_LOG_LEVEL"] = "WARNING"
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "gis.wsgi:application",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_healthy(f"http://127.0.0.1:{port}", server)

        dsn = {"host": db["HOST"] or None, "port": db.get("PORT") or None, "dbname": db["NAME"]}
        dsn.update(user=db["USER"], password=db.get("PASSWORD") or None)

        # Warm both paths (every worker's connection and caches, each zoom), then measure.
        def sql_for(z, x, y):
            return tile_sql("reports", z, x, y, filters)

        def warm() -> None:
            first = [next(k for k in tile_list if k[0] == z) for z in ZOOMS]
            raw_times(sql_for, first, dsn)
            for key in first * 2 * WORKERS:
                run_endpoint(port, key, query, cookie)

        def measure(label: str) -> dict:
            from django.core.cache import caches

            from gis.dashboard.tilecache import CACHE

            warm()
            raw, made, cached = paired_times(sql_for, tile_list, dsn, port, query, cookie)
            print(
                f"\n{label}: report tiles (all filters off), {len(tile_list)} tiles at "
                f"z{ZOOMS[0]}-z{ZOOMS[-1]}, best of {ROUNDS}, one client; clustered below "
                f"z{POINTS_FROM_ZOOM}; the endpoint making each tile (cache emptied before) "
                "and answering it from the tile cache"
            )
            head = ("zoom", "tiles", "KB/tile", "max KB", "raw SQL ms", "made ms", "ratio")
            head += ("", "cached ms", "ratio")
            print("{:>4} {:>5} {:>8} {:>7} {:>11} {:>8} {:>6} {:>5} {:>9} {:>6}".format(*head))
            totals = [0.0, 0.0, 0.0]
            out: dict = {"ratios": {}, "raw": {}, "made": {}, "cached": {}}
            for z in ZOOMS:
                keys = [k for k in tile_list if k[0] == z]
                r = sum(raw[k][0] for k in keys) / len(keys)
                w = sum(made[k][0] for k in keys) / len(keys)
                c = sum(cached[k][0] for k in keys) / len(keys)
                kb = sum(made[k][1] for k in keys) / len(keys) / 1024
                largest = max(made[k][1] for k in keys) / 1024
                for i, times in enumerate((raw, made, cached)):
                    totals[i] += sum(times[k][0] for k in keys)
                out["ratios"][z], out["raw"][z], out["made"][z], out["cached"][z] = w / r, r, w, c
                verdict = "ok" if w / r <= RATIO_TARGET else "over"
                row = (z, len(keys), kb, largest, r * 1000, w * 1000, w / r, verdict)
                row += (c * 1000, c / r)
                print(
                    "{:>4} {:>5} {:>8.1f} {:>7.1f} {:>11.1f} {:>8.1f} {:>6.2f} {:>5} {:>9.1f} "
                    "{:>6.2f}".format(*row)
                )
            n = len(tile_list)
            print(
                f" all {n:>5} {'':>8} {'':>7} {totals[0] / n * 1000:>11.1f} "
                f"{totals[1] / n * 1000:>8.1f} {totals[1] / totals[0]:>6.2f} {'':>5} "
                f"{totals[2] / n * 1000:>9.1f} {totals[2] / totals[0]:>6.2f}   "
                f"(target <= {RATIO_TARGET:.2f} at every zoom)"
            )
            same = all(raw[k][1] == made[k][1] == cached[k][1] for k in tile_list)
            print(f"endpoint bytes identical in size to the raw query's: {same}")
            caches[CACHE].clear()
            p50, p95, rate, n = concurrent(port, tile_list, query, cookie, CLIENTS, 30)
            print(
                f"{CLIENTS} concurrent clients, {n} random tiles from an empty tile cache, "
                f"gunicorn {WORKERS} sync workers on {os.cpu_count()} cores (loopback): "
                f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (target < {P95_TARGET_MS}), "
                f"{rate:.0f} tiles/s"
            )
            out["p95"] = p95
            return out

        made_queries, cached_queries, query_ms = tile_queries(client, tile_list, query)
        print(
            f"queries a tile makes in the endpoint: {made_queries} when made, "
            f"{cached_queries} from the cache; a z{ZOOMS[-1]} tile's, best ms each: "
            + ", ".join(f"{kind} {ms:.2f}" for kind, ms in query_ms.items())
        )
        from gis.dashboard.tilefiles import COUNT_EVERY

        files, every, ours = full_cache_writes(bytes(150 * 1024))
        print(
            f"a 150 KB tile written into a tile cache of {files:,} files: {every:.1f} ms counting "
            f"the files on every write (Django's file cache), {ours:.1f} ms counting them on one "
            f"write in {COUNT_EVERY}"
        )
        one = measure("1 municipality loaded")
        threshold(tile_sql, tile_list, filters, dsn, POINTS_FROM_ZOOM)
        if ARGS.municipalities > 1:
            t0 = time.perf_counter()
            n_other = ARGS.municipalities - 1
            added = add_municipalities(municipality, n_other, ARGS.pins_per_municipality)
            with django.db.connection.cursor() as cursor:
                cursor.execute("ANALYZE walks_residentpin")
                cursor.execute("ANALYZE layers_municipality")
            print(
                f"\nadded {n_other} municipalities with {added:,} pins "
                f"in {time.perf_counter() - t0:.1f} s"
            )
            many = measure(f"{ARGS.municipalities} municipalities loaded")
            print(f"\nThe demo's figures with {ARGS.municipalities} municipalities against 1:")
            head = ("zoom", "raw SQL x", "made x", "cached x", "ratio now")
            print("{:>4} {:>11} {:>8} {:>9} {:>10}".format(*head))
            for z in ZOOMS:
                print(
                    "{:>4} {:>11.2f} {:>8.2f} {:>9.2f} {:>10.2f}".format(
                        z,
                        many["raw"][z] / one["raw"][z],
                        many["made"][z] / one["made"][z],
                        many["cached"][z] / one["cached"][z],
                        many["ratios"][z],
                    )
                )
            print(f"p95 {one['p95'] * 1000:.0f} ms -> {many['p95'] * 1000:.0f} ms")
        print(f"load average at the end: {load_average()}")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        deleted, _ = ResidentPin.objects.filter(description=MARKER).delete()
        Municipality.objects.filter(code__startswith=OTHER_PREFIX).delete()
        if user is not None:
            user.delete()
        print(f"\ncleaned up: {deleted:,} generated rows deleted")
        if started:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

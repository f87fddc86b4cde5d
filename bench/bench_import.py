"""`trygg import` against ``ogr2ogr`` into PostGIS, on the same database, in the same run.

Generates (seeded) a lamp register GeoPackage in SWEREF 99 18 00 (EPSG:3011) and a lux survey
CSV (Windows-1252, semicolons, decimal commas, WGS 84 lon/lat) over a 10 x 10 km square around
Stockholm, creates a bench municipality covering it, then times

1. ``trygg import lamps FILE.gpkg`` vs ``ogr2ogr -f PostgreSQL … -t_srs EPSG:<storage>``;
2. ``trygg import lux_readings FILE.csv`` vs ``ogr2ogr`` with ``-oo X_POSSIBLE_NAMES=Longitud``
   (and ``PGCLIENTENCODING=WIN1252``, as GDAL's CSV driver passes the bytes through; it finds
   the semicolons and the coordinates' decimal commas itself, and keeps lux and time as text).

ogr2ogr runs twice: into a new table (only a primary key, its spatial index built once at the
end), and appending the same rows into the layer's own table (``layers_streetlamp``,
``layers_luxreading``), mapped by an SQL query of GDAL's SQLite dialect to the columns
``trygg import`` fills (municipality, source, key, fields, batch, times), so that the database
does the same work for both: the layer's indexes, check constraints and foreign keys. The
difference between the two ogr2ogr figures is the cost of a live layer; the difference
between the second and ``trygg import`` is the import's own (reading, checking, mapping,
keys, batch).

Each runs in its own child process; the table gives wall time and the child's peak resident
memory (``os.wait4``'s ``ru_maxrss``), so "memory does not grow with the file" can be read off
two sizes. The bench municipality, its objects and ogr2ogr's tables are removed afterwards.

    .venv/bin/python bench/bench_import.py               # 100,000 lamps, 1,000,000 readings
    .venv/bin/python bench/bench_import.py 10000 100000  # chosen sizes
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.demo")

CODE = "bench-import"
SEED = 7
# The square the data lies in (WGS 84 degrees): about 10 x 10 km around Stockholm.
LON, LAT = (18.0, 18.175), (59.28, 59.37)


# The children are started from this small launcher, not from the bench itself: a child forked
# from the bench would count the bench's own memory (geopandas, Django) in its peak.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\npeak-rss-kib {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and the output's last line of a child process (its output
    goes to temporary files, so a long answer cannot block it)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-S", "-c", LAUNCHER, *args], cwd=ROOT, env=env, stdout=out, stderr=err
        )
        code = process.wait()
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        lines = out.read().decode(errors="replace").strip().splitlines()
        errors = err.read().decode(errors="replace").strip().splitlines()
    peak = [line for line in errors if line.startswith("peak-rss-kib ")]
    errors = [line for line in errors if line and not line.startswith("peak-rss-kib ")]
    if code:
        raise SystemExit(f"{' '.join(args[:4])} failed: {(errors or ['?'])[-1]}")
    return elapsed, int(peak[-1].split()[1]) / 1024, (lines or [""])[-1]


def make_lamps(path: Path, n: int) -> None:
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(SEED)
    lon = rng.uniform(LON[0], LON[1], n)
    lat = rng.uniform(LAT[0], LAT[1], n)
    frame = gpd.GeoDataFrame(
        {
            "ArmaturID": [f"A{i:07d}" for i in range(n)],
            "Status": rng.choice(["Hel", "Trasig", "Okänd"], n, p=[0.9, 0.05, 0.05]),
            "Besiktad": "2026-11-30",
        },
        geometry=shapely.points(lon, lat),
        crs=4326,
    ).to_crs(3011)
    frame.to_file(path, driver="GPKG", layer="belysning")


def make_lux(path: Path, n: int) -> None:
    rng = np.random.default_rng(SEED + 1)
    with open(path, "w", encoding="cp1252", newline="") as handle:
        handle.write("Tid;Latitud;Longitud;Lux;Mätare\r\n")
        block = 100_000
        for start in range(0, n, block):
            m = min(block, n - start)
            lon = rng.uniform(LON[0], LON[1], m)
            lat = rng.uniform(LAT[0], LAT[1], m)
            lux = rng.gamma(2.0, 5.0, m)
            minutes = (start + np.arange(m)) // 60
            for i in range(m):
                moment = f"2026-12-01 {18 + minutes[i] // 60 % 6:02d}.{minutes[i] % 60:02d}"
                numbers = f"{lat[i]:.7f};{lon[i]:.7f};{lux[i]:.2f}".replace(".", ",")
                handle.write(f"{moment};{numbers};Åsa\r\n")


def layer_sql(layer: str, municipality: int, batch: int, now: str, sql: str) -> list[str]:
    """ogr2ogr's options that append the rows of `sql` (GDAL's SQLite dialect) to the layer
    table `layer`, with the municipality, source, batch and times ``trygg import`` writes."""
    constants = (
        f"{municipality} AS municipality_id, 'ogr2ogr' AS source, {batch} AS batch_id, "
        f"'{now}' AS created_at, '{now}' AS updated_at"
    )
    return ["-append", "-nln", layer, "-dialect", "SQLite", "-sql", sql.format(constants)]


def main() -> int:
    n_lamps = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    n_lux = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    from gis.embedded_db import EmbeddedCluster

    cluster = None if os.environ.get("DATABASE_URL") else EmbeddedCluster()
    started = cluster.start() if cluster else False
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.core.management import call_command
    from django.db import connection

    from gis.core.models import Municipality
    from layers.models import ImportBatch

    srid = settings.TRYGG_SRID
    db = settings.DATABASES["default"]
    pg = " ".join(
        f"{key}={db[name]}"
        for key, name in (("dbname", "NAME"), ("host", "HOST"), ("port", "PORT"), ("user", "USER"))
        if db.get(name)
    )
    # Both as installed: GDAL's PostgreSQL driver with COPY, Python with its compiled bytecode
    # cached (an environment that forbids writing it would time compiling pandas each run).
    env = {**os.environ, "PG_USE_COPY": "YES"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        call_command("migrate", interactive=False, verbosity=0)
        Municipality.objects.filter(code=CODE).delete()
        box = Polygon.from_bbox((LON[0] - 0.01, LAT[0] - 0.01, LON[1] + 0.01, LAT[1] + 0.01))
        box.srid = 4326
        box.transform(srid)
        municipality = Municipality.objects.create(
            code=CODE, name="Bench", boundary=MultiPolygon(box, srid=srid)
        )
        # ogr2ogr's rows in the layers belong to a batch, as the import's do (its foreign key).
        ogr_batch = ImportBatch.objects.create(
            municipality=municipality, layer="bench", source="ogr2ogr", file_name="bench"
        )
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        with tempfile.TemporaryDirectory() as folder:
            lamps, lux = Path(folder) / "belysning.gpkg", Path(folder) / "lux.csv"
            t0 = time.perf_counter()
            make_lamps(lamps, n_lamps)
            make_lux(lux, n_lux)
            print(f"files made in {time.perf_counter() - t0:.0f} s; storage EPSG:{srid}")
            python = [sys.executable, "-m", "gis.cli", "import"]
            ogr2ogr = ["ogr2ogr", "-f", "PostgreSQL", f"PG:{pg}"]
            runs = [
                (
                    f"{n_lamps:,} lamps, GeoPackage EPSG:3011",
                    [
                        *python,
                        "lamps",
                        str(lamps),
                        "--municipality",
                        CODE,
                        "--source",
                        "bench",
                        "--json",
                    ],
                    [
                        *ogr2ogr,
                        str(lamps),
                        "-nln",
                        "bench_ogr_lamps",
                        "-t_srs",
                        f"EPSG:{srid}",
                        "-overwrite",
                        "-lco",
                        "SPATIAL_INDEX=GIST",
                    ],
                    [
                        *ogr2ogr,
                        str(lamps),
                        "-t_srs",
                        f"EPSG:{srid}",
                        *layer_sql(
                            "layers_streetlamp",
                            municipality.pk,
                            ogr_batch.pk,
                            now,
                            "SELECT geom, ArmaturID AS source_id, CASE Status WHEN 'Hel' "
                            "THEN 'working' WHEN 'Trasig' THEN 'broken' ELSE 'unknown' END "
                            "AS status, Besiktad || 'T00:00:00+01:00' AS status_checked_at, "
                            "{} FROM belysning",
                        ),
                    ],
                ),
                (
                    f"{n_lux:,} lux readings, CSV cp1252",
                    [
                        *python,
                        "lux_readings",
                        str(lux),
                        "--municipality",
                        CODE,
                        "--source",
                        "bench",
                        "--json",
                    ],
                    [
                        *ogr2ogr,
                        str(lux),
                        "-nln",
                        "bench_ogr_lux",
                        "-oo",
                        "X_POSSIBLE_NAMES=Longitud",
                        "-oo",
                        "Y_POSSIBLE_NAMES=Latitud",
                        "-s_srs",
                        "EPSG:4326",
                        "-t_srs",
                        f"EPSG:{srid}",
                        "-overwrite",
                    ],
                    [
                        *ogr2ogr,
                        str(lux),
                        "-oo",
                        "HEADERS=NO",
                        "-s_srs",
                        "EPSG:4326",
                        "-t_srs",
                        f"EPSG:{srid}",
                        *layer_sql(
                            "layers_luxreading",
                            municipality.pk,
                            ogr_batch.pk,
                            now,
                            # Time, latitude, longitude, lux, meter; the header is the first row.
                            "SELECT MakePoint(CAST(replace(field_3, ',', '.') AS REAL), "
                            "CAST(replace(field_2, ',', '.') AS REAL), 4326) AS geom, "
                            "'ogr:' || rowid AS source_id, "
                            "CAST(replace(field_4, ',', '.') AS REAL) AS lux, "
                            "replace(field_1, '.', ':') || ':00+01:00' AS measured_at, "
                            "field_5 AS measured_by, {} FROM lux WHERE field_1 <> 'Tid'",
                        ),
                    ],
                ),
            ]
            # GDAL's CSV driver passes the bytes through: tell PostgreSQL they are cp1252.
            ogr_env = {**env, "PGCLIENTENCODING": "WIN1252"}
            head = f"{'trygg import':>22} {'ogr2ogr, new table':>29} {'ogr2ogr, the layer':>29}"
            print(f"{'':38} {head}")
            for label, ours, theirs, into_layer in runs:
                our_s, our_mb, line = timed(ours, env)
                texts = []
                for command in (theirs, into_layer):
                    try:
                        ogr_s, ogr_mb, _ = timed(command, ogr_env)
                        texts.append(f"{ogr_s:9.1f} s {ogr_mb:7.0f} MiB {our_s / ogr_s:5.2f}x")
                    except SystemExit as failure:
                        texts.append(f"failed ({str(failure)[-60:]})")
                print(f"{label:38} {our_s:9.1f} s {our_mb:7.0f} MiB {' '.join(texts)}")
                print(f"  {line[:150]}")
                table = into_layer[into_layer.index("-nln") + 1]
                with connection.cursor() as cursor:  # what ogr2ogr appended to the layer
                    cursor.execute(
                        f"SELECT count(*) FROM {table} WHERE municipality_id = %s "
                        "AND source = 'ogr2ogr'",
                        [municipality.pk],
                    )
                    print(f"  ogr2ogr appended {cursor.fetchone()[0]:,} rows to {table}")
    finally:
        Municipality.objects.filter(code=CODE).delete()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_ogr_lamps, bench_ogr_lux")
        if started:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

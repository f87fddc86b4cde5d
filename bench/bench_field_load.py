"""Load test of field submission: 50 walkers posting findings to a real server on loopback.

    .venv/bin/python bench/bench_field_load.py                 # 50 walkers, 60 s
    .venv/bin/python bench/bench_field_load.py --seconds 15    # shorter

The script uses its own database `trygg_bench` in the embedded PostgreSQL (created, migrated
and loaded with the demo municipality on first use; kept for later runs) and starts gunicorn
(gthread workers) on 127.0.0.1 with the demo settings and DEBUG off. Each simulated walker is
a thread with its own keep-alive connection that joins the walk and then posts one finding per
second (GeoJSON Feature with a fresh client_uuid, on a street of the walk); 10 % of its
requests replay one of its earlier findings (same client_uuid), as a phone does when an
answer was lost. Afterwards the database is checked:

    errors      requests that did not answer 2xx (or failed on the network)
    lost        findings acknowledged with 201/200 that are not in the database
    duplicated  client_uuids stored more than once (and replays answered 201 instead of 200)

Reference in the same run: the same walkers and schedule against GET /healthz (one SELECT 1
through the same server and connection pool) give the latency floor of the stack.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gis.loopback import free_port, wait_until_healthy  # noqa: E402

BENCH_DB = "trygg_bench"
SETTINGS = "gis.settings.demo"


def _server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "TRYGG_DB_NAME": BENCH_DB,
        "TRYGG_DEBUG": "0",
        "TRYGG_LOG_LEVEL": "WARNING",
    }


def prepare_database() -> None:
    """Create, migrate and load the bench database unless it is ready."""
    import psycopg

    from gis.embedded_db import DB_USER, EmbeddedCluster

    cluster = EmbeddedCluster()
    with psycopg.connect(
        host=str(cluster.run_dir), user=DB_USER, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    with psycopg.connect(
        host=str(cluster.run_dir), user=DB_USER, dbname=BENCH_DB, autocommit=True
    ) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "gis.cli", "demo", "--no-serve"],
        cwd=ROOT,
        env=_server_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"bench database ready ({time.monotonic() - started:.0f} s)")


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "gis.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--backlog",
        "256",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=_server_env(), start_new_session=True)
    wait_until_healthy(f"http://127.0.0.1:{port}", server)
    return server


class Walker(threading.Thread):
    """One phone: joins, then one request per second on its own keep-alive connection."""

    def __init__(self, port, code, points, seconds, replay_share, seed, start_at, reference):
        super().__init__(daemon=True)
        self.port = port
        self.code = code
        self.points = points
        self.seconds = seconds
        self.replay_share = replay_share
        self.random = random.Random(seed)
        self.start_at = start_at
        self.reference = reference
        self.device = str(uuid.uuid4())
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.acknowledged: set[str] = set()
        self.sent: list[dict] = []
        self.replays = 0
        self.replays_created = 0
        self.conn: http.client.HTTPConnection | None = None

    def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "X-Trygg-Device": self.device}
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection closed by the server between requests: reconnect.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _feature(self) -> dict:
        lon, lat = self.random.choice(self.points)
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "client_uuid": str(uuid.uuid4()),
                "category": self.random.choice(["lighting", "vegetation", "litter", "graffiti"]),
                "severity": self.random.randint(1, 5),
                "when": "evening",
                "note": "bench",
                "gps_accuracy_m": round(self.random.uniform(3, 25), 1),
                "device_token": self.device,
                "author_role": "resident",
            },
        }

    def run(self) -> None:
        if not self.reference:
            self._request(
                "POST",
                f"/api/walks/{self.code}/join/",
                {"device_token": self.device, "role": "resident"},
            )
        time.sleep(max(0.0, self.start_at - time.monotonic()))
        begin = time.monotonic()
        tick = 0
        while True:
            due = begin + tick
            if due - begin >= self.seconds:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            tick += 1
            replay = bool(self.sent) and self.random.random() < self.replay_share
            if self.reference:
                method, path, body = "GET", "/healthz", None
            else:
                body = self.random.choice(self.sent) if replay else self._feature()
                method, path = "POST", f"/api/walks/{self.code}/findings/"
            started = time.perf_counter()
            try:
                status, _ = self._request(method, path, body)
            except OSError as error:
                self.errors.append(type(error).__name__)
                continue
            self.latencies.append(time.perf_counter() - started)
            if not 200 <= status < 300:
                self.errors.append(str(status))
                continue
            if self.reference:
                continue
            self.acknowledged.add(body["properties"]["client_uuid"])
            if replay:
                self.replays += 1
                self.replays_created += status == 201
            else:
                self.sent.append(body)


def run_phase(port, code, points, walkers, seconds, replay_share, reference) -> list[Walker]:
    start_at = time.monotonic() + 2.0
    crowd = [
        Walker(
            port, code, points, seconds, replay_share, seed, start_at + seed / walkers, reference
        )
        for seed in range(walkers)
    ]
    for walker in crowd:
        walker.start()
    for walker in crowd:
        walker.join()
    return crowd


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, crowd: list[Walker], seconds: float) -> None:
    latencies = [lat for w in crowd for lat in w.latencies]
    errors = [e for w in crowd for e in w.errors]
    requests = len(latencies) + sum(1 for w in crowd for e in w.errors if not e.isdigit())
    print(
        f"{label:<34} {requests:>6} req  {requests / seconds:6.1f} req/s  "
        f"p50 {1000 * statistics.median(latencies):6.1f} ms  "
        f"p95 {1000 * percentile(latencies, 0.95):6.1f} ms  "
        f"max {1000 * max(latencies):6.1f} ms  errors {len(errors)}"
    )
    if errors:
        counts = {e: errors.count(e) for e in sorted(set(errors))}
        print("   error kinds:", counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the load (s)")
    parser.add_argument("--walkers", type=int, default=50)
    parser.add_argument("--replay", type=float, default=0.10, help="share of replayed requests")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--reference-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    for name in ("seconds", "walkers", "workers", "threads"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be > 0, got {getattr(args, name)}")
    if not 0 <= args.replay < 1:
        parser.error(f"--replay must be in [0, 1), got {args.replay}")

    os.environ.update({"DJANGO_SETTINGS_MODULE": SETTINGS, "TRYGG_DB_NAME": BENCH_DB})
    from gis.embedded_db import EmbeddedCluster

    cluster = EmbeddedCluster()
    started_cluster = cluster.start()
    server = None
    try:
        prepare_database()
        import django

        django.setup()
        from django.db.models import Count
        from django.utils import timezone

        from gis.demo.load import demo_municipality
        from layers.models import StreetSegment
        from walks.models import SafetyWalk, WalkFinding

        demo = demo_municipality()
        segments = list(
            StreetSegment.objects.filter(municipality=demo, length_m__gt=50).order_by("id")[:200]
        )
        route = segments[0].geom
        walk = SafetyWalk.objects.create(
            municipality=demo,
            title=f"Bench {uuid.uuid4().hex[:6]}",
            starts_at=timezone.now(),
            route=route,
        )
        points = []
        for segment in segments:
            p = segment.geom.interpolate_normalized(0.5).transform(4326, clone=True)
            points.append((round(p.x, 7), round(p.y, 7)))

        port = free_port()
        server = start_server(port, args.workers, args.threads)
        print(
            f"gunicorn {args.workers} workers x {args.threads} threads (gthread) "
            f"on 127.0.0.1:{port}, {args.walkers} walkers, 1 request/s each, "
            f"{args.replay:.0%} replays"
        )
        reference_seconds = min(args.reference_seconds, args.seconds)
        reference = run_phase(
            port, walk.join_code, points, args.walkers, reference_seconds, 0.0, True
        )
        crowd = run_phase(
            port, walk.join_code, points, args.walkers, args.seconds, args.replay, False
        )

        acknowledged = set().union(*(w.acknowledged for w in crowd))
        stored = WalkFinding.objects.filter(walk=walk)
        stored_ids = {str(u) for u in stored.values_list("client_uuid", flat=True)}
        duplicated_rows = (
            stored.values("client_uuid").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        replays = sum(w.replays for w in crowd)
        replays_created = sum(w.replays_created for w in crowd)
        print()
        report(f"reference: GET /healthz ({reference_seconds:.0f} s)", reference, reference_seconds)
        report(f"POST findings ({args.seconds:.0f} s)", crowd, args.seconds)
        print(
            f"acknowledged findings {len(acknowledged)}, stored {len(stored_ids)}, "
            f"replays {replays} (answered 201: {replays_created})"
        )
        lost = len(acknowledged - stored_ids)
        duplicated = duplicated_rows + replays_created
        print(f"errors {sum(len(w.errors) for w in crowd)}, lost {lost}, duplicated {duplicated}")
        walk.delete()
        return 0 if lost == 0 and duplicated == 0 else 1
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if started_cluster:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of a database crash under write load: acknowledged writes vs stored, and recovery.

Usage (from the project root)::

    .venv/bin/python bench/bench_db_outage.py                  # 4 writers, 30 s, kill at 8 s
    .venv/bin/python bench/bench_db_outage.py 8 30 10 5        # writers seconds kill_at down_s

A private PostgreSQL cluster in a temporary directory (never the project's), migrated, with one
municipality. Writer threads in this process insert resident pins through the ORM in autocommit
mode, one pin per transaction; a write counts as acknowledged when `objects.create()` returned
(the COMMIT was answered), the stand-in for an HTTP 2xx until the field API exists. A Trygg
server process (runserver) runs on the same cluster and is polled on /healthz and / every
100 ms. At `kill_at` the postmaster gets SIGKILL; after `down_s` seconds `trygg db start`
restarts it (crash recovery included) and the writers and the server carry on by themselves.

Printed: writes acknowledged vs stored (target: every acknowledged write stored; stored but not
acknowledged = commits whose answer was lost in the crash), the write rate before the kill
(the reference) and after recovery, the restart time, the time until writes and the server
work again, and what the server answered during the outage (target: 503 only, no 500, no hang).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project, when run as a script

from gis.drills.phones import runserver_command, start_server, stop_server  # noqa: E402
from gis.drills.reaper import reap_postgres, subreaper  # noqa: E402
from gis.embedded_db import EmbeddedCluster  # noqa: E402
from gis.loopback import free_port  # noqa: E402


class Writers:
    """Threads inserting pins until stopped; acknowledged ids with the time of the answer."""

    def __init__(self, count: int, municipality_id: int, category_id: int, point) -> None:
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked: list[tuple[float, uuid.UUID]] = []
        self.errors = 0
        self.threads = [
            threading.Thread(target=self._run, args=(municipality_id, category_id, point))
            for _ in range(count)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _run(self, municipality_id: int, category_id: int, point) -> None:
        from django.db import InterfaceError, OperationalError, connection
        from django.utils import timezone

        from walks.models import ResidentPin

        while not self.stop.is_set():
            client_uuid = uuid.uuid4()
            try:
                ResidentPin.objects.create(
                    municipality_id=municipality_id,
                    category_id=category_id,
                    when="evening",
                    description="bench",
                    geom=point,
                    reported_at=timezone.now(),
                    client_uuid=client_uuid,
                )
            except (OperationalError, InterfaceError):
                with self.lock:
                    self.errors += 1
                try:
                    connection.close_if_unusable_or_obsolete()
                except (OperationalError, InterfaceError):
                    connection.connection = None
                time.sleep(0.05)
                continue
            with self.lock:
                self.acked.append((time.monotonic(), client_uuid))
        connection.close()


class Poller:
    """GET /healthz and / every 100 ms; (time, path, status or error, seconds) per request."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.samples: list[tuple[float, str, str, float]] = []
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self.stop.is_set():
            for path in ("/healthz", "/"):
                started = time.monotonic()
                try:
                    status = str(requests.get(self.url + path, timeout=30).status_code)
                except requests.RequestException as error:
                    status = type(error).__name__
                self.samples.append((started, path, status, time.monotonic() - started))
            time.sleep(0.1)


def main(writers: int = 4, seconds: float = 30.0, kill_at: float = 8.0, down: float = 3.0) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="trygg-bench-outage-"))
    var = workdir / "var"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"TRYGG_DB_NAME", "DATABASE_URL"}},
        "TRYGG_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
    }
    os.environ.update({k: env[k] for k in ("TRYGG_VAR_DIR", "DJANGO_SETTINGS_MODULE")})
    cluster = EmbeddedCluster(var)
    server = None
    with subreaper():
        try:
            cluster.start()
            server, url, ids = _prepare(env, var)
            _run(cluster, env, url, ids, writers, seconds, kill_at, down)
        finally:
            if server is not None:
                stop_server(server)
            cluster.stop()
    subprocess.run(["rm", "-rf", str(workdir)], check=False)


def _prepare(env: dict, var: Path):
    import django

    django.setup()
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon
    from django.core.management import call_command

    from gis.core.models import Municipality
    from walks.models import Category

    call_command("migrate", interactive=False, verbosity=0)
    square = MultiPolygon(Polygon.from_bbox((385000, 6670000, 387000, 6672000)), srid=3067)
    municipality = Municipality.objects.create(code="bench", name="Bench", boundary=square)
    category = Category.objects.get(code="lighting")
    point = Point(386000, 6671000, srid=3067)
    port = free_port()
    server = start_server(runserver_command(port), env, port, log=var / "server.log")
    return server, f"http://127.0.0.1:{port}", (municipality.pk, category.pk, point)


def _run(cluster, env, url, ids, writers, seconds, kill_at, down) -> None:
    from walks.models import ResidentPin

    pool = Writers(writers, *ids)
    poller = Poller(url)
    started = time.monotonic()
    pool.start()
    poller.thread.start()
    time.sleep(kill_at)
    pid = int((cluster.data_dir / "postmaster.pid").read_text().splitlines()[0])
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    reap_postgres(wait_for=pid)
    time.sleep(down)
    restart_began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "gis.cli", "db", "start"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    restarted = time.monotonic()
    if result.returncode != 0:
        raise RuntimeError(f"trygg db start failed: {result.stderr}")
    time.sleep(max(0.0, started + seconds - time.monotonic()))
    pool.join()
    poller.stop.set()
    poller.thread.join()

    from django.db import connection

    connection.close()
    stored = set(
        ResidentPin.objects.filter(municipality_id=ids[0]).values_list("client_uuid", flat=True)
    )
    acked = {u for _, u in pool.acked}
    before = [t for t, _ in pool.acked if t < killed]
    after = [t for t, _ in pool.acked if t > restarted]
    resumed = min((t for t, _ in pool.acked if t > restart_began), default=float("nan"))
    end = started + seconds
    healthy = [
        t + took
        for t, path, status, took in poller.samples
        if t > killed and path == "/healthz" and status == "200"
    ]
    server_back = min(healthy, default=float("nan"))
    outage = [s for s in poller.samples if killed <= s[0] and s[0] + s[3] < server_back]

    print(f"DB outage under write load: {writers} ORM writer threads for {seconds:.0f} s;")
    print(f"postmaster SIGKILLed at {kill_at:.1f} s, `trygg db start` {down:.1f} s later")
    print("(private cluster, fsync on, synchronous_commit on)")
    print(f"writes acknowledged           {len(acked):8d}")
    print(f"writes stored                 {len(stored):8d}")
    print(f"acknowledged but lost         {len(acked - stored):8d}   (target 0)")
    print(f"stored, answer lost in crash  {len(stored - acked):8d}")
    print(f"failed write attempts         {pool.errors:8d}")
    rate_before = len(before) / (killed - started)
    rate_after = len(after) / max(end - restarted, 1e-9)
    print(f"write rate before the kill    {rate_before:8.0f} /s   (reference)")
    print(f"write rate after recovery     {rate_after:8.0f} /s   ({rate_after / rate_before:.2f}x)")
    print(f"`trygg db start` (crash recovery included) {restarted - restart_began:6.2f} s")
    print(
        f"writes resumed after the kill {resumed - killed:8.2f} s   "
        f"({resumed - restart_began:.2f} s after the restart began)"
    )
    in_flight = [u for t, u in pool.acked if killed < t < restart_began]
    stored_flight = len(set(in_flight) & stored)
    print(f"answered just after the kill  {len(in_flight):8d}   ({stored_flight} of them stored)")
    print(
        f"server /healthz 200 again     {server_back - killed:8.2f} s after the kill   "
        f"({server_back - restart_began:.2f} s after the restart began; no server restart)"
    )
    statuses = Counter(f"{s[1]} {s[2]}" for s in outage)
    slowest = max((s[3] for s in outage), default=float("nan"))
    print(f"server answers while down     {dict(sorted(statuses.items()))}")
    print(f"slowest answer while down     {slowest:8.3f} s")
    log = Path(os.environ["TRYGG_VAR_DIR"]) / "server.log"
    text = log.read_text()
    print(
        "server log: 'database unavailable' x"
        f"{text.count('database unavailable, answering 503')}, "
        f"'database is back' x{text.count('database is back after')}, "
        f"'Internal Server Error' x{text.count('Internal Server Error')}"
    )


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    main(*(int(args[0]), *args[1:]) if args else ())

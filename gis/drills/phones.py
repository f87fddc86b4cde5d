"""The field app's side of the server drills (benchmarks and kill tests): the bench database, a
Trygg server on loopback, and simulated phones.

A phone's `Outbox` does what the field app's outbox (`walks/static/walks/outbox.js`) does:
every upload carries the id made on the phone (`client_uuid`) and stays queued until the server
answers 2xx; network errors, 408, 429 and 5xx are retried with exponential backoff (1 s
doubling to 60 s, with jitter), so an upload whose answer was lost is sent again with the same
id; any other 4xx rejects it. A photo waits until its finding is acknowledged.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from gis.loopback import wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]

BENCH_DB = "trygg_bench"
SETTINGS = "gis.settings.demo"
CATEGORIES = ("lighting", "vegetation", "litter", "graffiti")
MAX_DELAY_S = 60.0
# Errors of a keep-alive connection that the server closed (or that died with it).
CLOSED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


# ---- the bench database and the server ------------------------------------------------------


# For a crowd of phones that all connect from 127.0.0.1: the per-address limits of walk uploads
# and of /healthz raised (server_env(**ONE_ADDRESS_CROWD)); the per-device limit stays.
ONE_ADDRESS_CROWD = {
    "TRYGG_RATE_LIMIT_WALK_IP": "100000/minute",
    "TRYGG_RATE_LIMIT_HEALTH_IP": "100000/minute",
}


def server_env(database: str = BENCH_DB, **extra: str) -> dict[str, str]:
    """The environment of a server (and of `trygg` commands) on the bench database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "TRYGG_DB_NAME": database,
        "TRYGG_DEBUG": "0",
        "TRYGG_LOG_LEVEL": "WARNING",
        **extra,
    }


def prepare_database(database: str = BENCH_DB) -> None:
    """Create, migrate and load the bench database (or `database`) unless it is ready."""
    import psycopg

    from gis.embedded_db import DB_USER, EmbeddedCluster

    cluster = EmbeddedCluster()
    with psycopg.connect(
        host=str(cluster.run_dir), user=DB_USER, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    with psycopg.connect(
        host=str(cluster.run_dir), user=DB_USER, dbname=database, autocommit=True
    ) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "gis.cli", "demo", "--no-serve"],
        cwd=ROOT,
        env=server_env(database),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"bench database ready ({time.monotonic() - started:.0f} s)")


def gunicorn_command(port: int, workers: int, threads: int, *, preload: bool = True) -> list[str]:
    """gunicorn with gthread workers on 127.0.0.1:`port`, as in production behind a proxy
    (gis/gunicorn_conf.py: the application preloaded in the master unless `preload` is off)."""
    return [
        *(sys.executable, "-m", "gunicorn", "gis.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
        *("--worker-class", "gthread", "--threads", str(threads)),
        *("--backlog", "256", "--log-level", "warning"),
        *(("--preload",) if preload else ()),
    ]


def runserver_command(port: int) -> list[str]:
    """Django's development server on 127.0.0.1:`port` (one process, no reloader)."""
    return [sys.executable, "-m", "gis.cli", "runserver", f"127.0.0.1:{port}", "--noreload"]


def start_server(
    command: list[str], env: dict[str, str], port: int, *, log: Path | None = None
) -> subprocess.Popen:
    """Start a server in a process group of its own (appending its output to `log` if given)
    and wait until it answers /healthz."""
    output = open(log, "a") if log is not None else None  # noqa: SIM115 - the child keeps it
    try:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
    finally:
        if output is not None:
            output.close()
    wait_until_healthy(f"http://127.0.0.1:{port}", server, timeout=90, log=log)
    return server


def crash_server(server: subprocess.Popen, port: int, timeout: float = 20.0) -> None:
    """SIGKILL the server's whole process group (master and workers: a crash, no shutdown),
    then wait until nothing listens on `port` any more, so it can be started there again."""
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:  # reap the workers when this process is their subreaper
            while os.waitpid(-server.pid, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"port {port} still accepts connections after the kill")
        time.sleep(0.02)


def stop_server(server: subprocess.Popen) -> None:
    """Stop a server started by `start_server` (SIGTERM to its group: a graceful shutdown)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


# ---- what phones upload ------------------------------------------------------------------------


@dataclass
class Upload:
    """One queued upload: POST `body` to `path`; `parent` is the id it waits for (a photo's
    finding). `delivered` counts the sends that reached the server (outcome maybe unknown).
    A reference request (GET /healthz) is an Upload with method GET and no body."""

    client_uuid: str
    kind: str
    path: str
    body: bytes | None
    content_type: str = "application/json"
    parent: str | None = None
    method: str = "POST"
    delivered: int = 0
    failures: int = 0
    next_try: float = 0.0
    status: int | None = None
    rejected: str = ""


@dataclass(frozen=True)
class Attempt:
    """One try of an upload: monotonic start and end, and its outcome: the status code, or
    "refused" (the server never saw it) or "unknown" (sent, no answer). `replay`: the server
    may have seen this upload before."""

    started: float
    ended: float
    kind: str
    outcome: str
    replay: bool


def join_upload(code: str, device: str, role: str = "resident") -> Upload:
    body = json.dumps({"device_token": device, "role": role}).encode()
    return Upload(f"join-{device}", "join", f"/api/walks/{code}/join/", body)


def finding_upload(code: str, device: str, point: tuple[float, float], rng: random.Random):
    """A point finding (GeoJSON Feature in WGS 84 degrees) with a fresh client_uuid."""
    client_uuid = str(uuid.uuid4())
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(point)},
        "properties": {
            "client_uuid": client_uuid,
            "category": rng.choice(CATEGORIES),
            "severity": rng.randint(1, 5),
            "when": "evening",
            "note": "bench",
            "gps_accuracy_m": round(rng.uniform(3, 25), 1),
            "device_token": device,
            "author_role": "resident",
        },
    }
    path = f"/api/walks/{code}/findings/"
    return Upload(client_uuid, "finding", path, json.dumps(feature).encode())


def photo_upload(code: str, finding: Upload, jpeg: bytes) -> Upload:
    """A photo of `finding` as the field app sends it: multipart `photo` and its own id."""
    client_uuid = str(uuid.uuid4())
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="client_uuid"\r\n\r\n'
        f"{client_uuid}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f'name="photo"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    )
    body = head.encode() + jpeg + f"\r\n--{boundary}--\r\n".encode()
    path = f"/api/walks/{code}/findings/{finding.client_uuid}/photos/"
    content_type = f"multipart/form-data; boundary={boundary}"
    return Upload(client_uuid, "photo", path, body, content_type, parent=finding.client_uuid)


def sample_jpeg(seed: int, size: tuple[int, int] = (160, 120)) -> bytes:
    """A small JPEG of seeded noise, standing in for a phone's photo."""
    from PIL import Image

    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, format="JPEG", quality=80)
    return out.getvalue()


# ---- a phone's outbox ---------------------------------------------------------------------------


class Outbox:
    """One phone: its queued uploads, sent in order over one keep-alive connection."""

    def __init__(self, port: int, device: str, seed: int, timeout: float = 30.0) -> None:
        self.port = port
        self.device = device
        self.random = random.Random(seed)
        self.timeout = timeout
        self.uploads: dict[str, Upload] = {}
        self.attempts: list[Attempt] = []
        self.conn: http.client.HTTPConnection | None = None

    def add(self, upload: Upload) -> Upload:
        """Queue an upload (an id already queued keeps its first upload)."""
        return self.uploads.setdefault(upload.client_uuid, upload)

    def pending(self) -> list[Upload]:
        return [u for u in self.uploads.values() if u.status is None and not u.rejected]

    def acknowledged(self, kind: str) -> set[str]:
        return {u.client_uuid for u in self.uploads.values() if u.kind == kind and u.status}

    def retry_now(self) -> None:
        """Make every queued upload due (the field app does this when it is back online)."""
        for upload in self.pending():
            upload.next_try = 0.0

    def flush(self) -> bool:
        """Send the due uploads in order; False when a network error ended the round."""
        now = time.monotonic()
        for upload in self.pending():
            parent = self.uploads.get(upload.parent) if upload.parent else None
            if parent is not None and parent.rejected:
                upload.rejected = parent.rejected
            if upload.rejected or upload.next_try > now or (parent and parent.status is None):
                continue
            if self.send(upload) in ("refused", "unknown"):
                return False
        return True

    def send(self, upload: Upload) -> str:
        """One attempt at `upload`; returns its outcome (see `Attempt`)."""
        started, before = time.monotonic(), upload.delivered
        try:
            response = self._post(upload)
        except (OSError, http.client.HTTPException):  # incl. an answer cut off mid-body
            self.drop()
            outcome = "unknown" if upload.delivered > before else "refused"
            return self._record(upload, started, before, outcome)
        if 200 <= response.status < 300:
            upload.status = response.status
        elif response.status in (408, 429) or response.status >= 500:
            self._retry_later(upload)
        else:
            upload.rejected = f"{response.status} {response.body[:200]!r}"
        return self._record(upload, started, before, str(response.status))

    def send_and_lose_answer(self, upload: Upload) -> None:
        """Write the request, then drop the connection without reading the answer (a phone
        losing its network mid-request): the upload stays queued, its outcome unknown."""
        started, before = time.monotonic(), upload.delivered
        try:
            self._write(upload)
        finally:
            self.drop()
        self._record(upload, started, before, "unknown")

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _post(self, upload: Upload) -> _Response:
        """POST once; resend once on a fresh connection when a reused keep-alive connection
        turns out closed before any answer, as browsers do."""
        reused = self.conn is not None
        try:
            self._write(upload)
            return self._read()
        except CLOSED:
            if not reused:
                raise
            self.drop()
            self._write(upload)
            return self._read()

    def _write(self, upload: Upload) -> None:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Content-Type": upload.content_type, "X-Trygg-Device": self.device}
        self.conn.request(upload.method, upload.path, body=upload.body, headers=headers)
        upload.delivered += 1

    def _read(self) -> _Response:
        response = self.conn.getresponse()
        return _Response(response.status, response.read())

    def _retry_later(self, upload: Upload) -> None:
        upload.failures += 1
        delay = min(MAX_DELAY_S, 2.0**upload.failures)
        upload.next_try = time.monotonic() + delay * self.random.uniform(0.5, 1.0)

    def _record(self, upload: Upload, started: float, before: int, outcome: str) -> str:
        if outcome in ("refused", "unknown"):
            self._retry_later(upload)
        attempt = Attempt(started, time.monotonic(), upload.kind, outcome, before > 0)
        self.attempts.append(attempt)
        return outcome


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes


# ---- the walk and the figures -------------------------------------------------------------------


def bench_walk(title: str, segments: int = 200):
    """A new walk in the demo municipality (Django set up on the bench database) and points on
    its longer streets, as (lon, lat) in WGS 84 degrees."""
    from django.utils import timezone

    from gis.demo.load import demo_municipality
    from layers.models import StreetSegment
    from walks.models import SafetyWalk

    demo = demo_municipality()
    streets = list(
        StreetSegment.objects.filter(municipality=demo, length_m__gt=50).order_by("id")[:segments]
    )
    walk = SafetyWalk.objects.create(
        municipality=demo, title=title, starts_at=timezone.now(), route=streets[0].geom
    )
    points = []
    for street in streets:
        p = street.geom.interpolate_normalized(0.5).transform(4326, clone=True)
        points.append((round(p.x, 7), round(p.y, 7)))
    return walk, points


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, latencies: list[float], errors: list[str], seconds: float) -> None:
    """One line: requests, rate, latency percentiles (s in, ms out) and errors by kind."""
    requests = len(latencies) + sum(1 for e in errors if not e.isdigit())
    print(
        f"{label:<34} {requests:>6} req  {requests / seconds:6.1f} req/s  "
        f"p50 {1000 * statistics.median(latencies):6.1f} ms  "
        f"p95 {1000 * percentile(latencies, 0.95):6.1f} ms  "
        f"max {1000 * max(latencies):6.1f} ms  errors {len(errors)}"
    )
    if errors:
        counts = {e: errors.count(e) for e in sorted(set(errors))}
        print("   error kinds:", counts)

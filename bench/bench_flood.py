"""Flood bench: how much one client flooding the public API slows the other residents down.

    .venv/bin/python bench/bench_flood.py                  # 3 rounds of 20 s + 20 s, twice
    .venv/bin/python bench/bench_flood.py --seconds 10 --rounds 1 --no-unlimited

A real server (gunicorn, gthread workers, DEBUG off) runs on 127.0.0.1 on the bench database of
bench_field_load.py. Every simulated client has an address of its own: Linux routes all of
127.0.0.0/8 to the loopback interface, so each client binds its connections to another source
address (residents 127.0.0.10 and up, the flooder 127.0.0.2) and the server, which believes no
X-Forwarded-For, counts each by its address as it would count clients on the internet.

Residents: each sends one request per second on its own keep-alive connection, with its own
device token: the categories, the pins near a place, and every seventh second a new pin
(within the default limit of 10 pins per device and hour).

The flooder: one address, its own process, `--flood-connections` connections, each sending
the next request as soon as the last is answered: reads of the categories (40 %) and of the
report page (10 %), small pin reports (30 %), 1 MB JSON bodies (15 %) and 4 MB photo uploads
(5 %).

Each of `--rounds` rounds is a baseline phase (the residents alone) and then a flood phase (the
residents while the flooder runs), each `--seconds` long; alternating them keeps the other work
on a shared machine from favouring one. All rounds run against a server with the default
limits, then (unless --no-unlimited) against one with every rate limit off: what the limits buy.
Printed: the residents' p50/p95/max latency and answers that were not 2xx, the flooder's rate and
answers by status, the CPU (in cores) used by the server and by the flooder's process, and the
machine's load average; at the end the residents' p95 and p50 in the flood as multiples of the
baseline's, the figure bench/README.md states a bound for. Gunicorn's workers each count the
limits in their own memory cache, so the flooder gets up to `--workers` times each limit.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from gis.core.conf import RATE_DEFAULTS
from gis.drills.phones import (
    BENCH_DB,
    CLOSED,
    SETTINGS,
    bench_walk,
    gunicorn_command,
    percentile,
    prepare_database,
    server_env,
    start_server,
    stop_server,
)
from gis.loopback import free_port

FLOOD_ADDRESS = "127.0.0.2"
BENCH_TEXT = "bench-flood"
CATEGORIES = ("lighting", "vegetation", "hidden_place", "litter")
PIN_EVERY_S = 7
# The flooder starts this long before the residents' phase and stops this long after it.
LEAD_S = 2.0


class Connection:
    """One keep-alive HTTP connection to the server from a given loopback source address."""

    def __init__(self, port: int, address: str, timeout: float = 30.0) -> None:
        self.port = port
        self.address = address
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None, headers: dict) -> int:
        """Send one request and read the whole answer; resend once when a reused keep-alive
        connection turns out closed. Returns the status."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout, source_address=(self.address, 0)
                )
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status
            except CLOSED:
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def pin_json(point: tuple[float, float], rng: random.Random, device: str) -> bytes:
    """A resident's pin report as the report form sends it (GeoJSON Point in WGS 84)."""
    return json.dumps(
        {
            "client_uuid": str(uuid.uuid4()),
            "geometry": {"type": "Point", "coordinates": list(point)},
            "category": rng.choice(CATEGORIES),
            "when": "evening",
            "description": BENCH_TEXT,
            "device_token": device,
        }
    ).encode()


class Resident(threading.Thread):
    """One resident: a request per second from its own address, latency of each recorded."""

    def __init__(self, port: int, address: str, points, seconds: float, start_at: float, seed: int):
        super().__init__(daemon=True)
        self.port = port
        self.address = address
        self.points = points
        self.seconds = seconds
        self.start_at = start_at
        self.seed = seed
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def _next(self, tick: int, rng: random.Random, device: str) -> tuple[str, str, bytes | None]:
        point = rng.choice(self.points)
        if tick % PIN_EVERY_S == PIN_EVERY_S - 1:
            return "POST", "/api/pins/", pin_json(point, rng, device)
        if tick % 2:
            query = f"lon={point[0]}&lat={point[1]}&category={rng.choice(CATEGORIES)}"
            return "GET", f"/api/pins/nearby/?{query}", None
        return "GET", "/api/categories/", None

    def run(self) -> None:
        rng = random.Random(self.seed)
        device = str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "X-Trygg-Device": device}
        connection = Connection(self.port, self.address)
        time.sleep(max(0.0, self.start_at - time.monotonic()))
        for tick in range(int(self.seconds)):
            time.sleep(max(0.0, self.start_at + tick - time.monotonic()))
            method, path, body = self._next(tick, rng, device)
            started = time.perf_counter()
            try:
                status = connection.request(method, path, body, headers)
            except OSError as error:
                self.errors.append(type(error).__name__)
                continue
            self.latencies.append(time.perf_counter() - started)
            if not 200 <= status < 300:
                self.errors.append(f"{status} {method} {path.split('?')[0]}")
        connection.close()


def _flood_requests(points: list[tuple[float, float]], seed: int):
    """The flooder's requests (method, path, body, content type), in a seeded mix."""
    rng = random.Random(seed)
    device = str(uuid.uuid4())
    big_json = json.dumps({"description": "x" * (1024 * 1024)}).encode()
    boundary = uuid.uuid4().hex
    photo = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\xff\xd8"
        + rng.randbytes(4 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    multipart = f"multipart/form-data; boundary={boundary}"
    while True:
        roll = rng.random()
        if roll < 0.40:
            yield "GET", "/api/categories/", None, "application/json"
        elif roll < 0.70:
            yield (
                "POST",
                "/api/pins/",
                pin_json(rng.choice(points), rng, device),
                "application/json",
            )
        elif roll < 0.85:
            yield "POST", "/api/pins/", big_json, "application/json"
        elif roll < 0.95:
            yield "GET", "/rapportera/", None, "text/html"
        else:
            yield "POST", "/api/pins/", photo, multipart


def _flood_connection(port, points, seed, deadline, statuses: Counter, lock) -> None:
    connection = Connection(port, FLOOD_ADDRESS)
    counts: Counter = Counter()
    for method, path, body, content_type in _flood_requests(points, seed):
        if time.monotonic() >= deadline:
            break
        try:
            status = connection.request(method, path, body, {"Content-Type": content_type})
            counts[str(status)] += 1
        except OSError as error:
            counts[type(error).__name__] += 1
            connection.close()
    connection.close()
    with lock:
        statuses.update(counts)


def flood(port: int, points, seconds: float, connections: int, results) -> None:
    """The flooder (run in a process of its own): `connections` connections from one address,
    each sending the next request as soon as the last is answered; puts its status counts and
    the CPU seconds it used."""
    deadline = time.monotonic() + seconds
    statuses: Counter = Counter()
    lock = threading.Lock()
    threads = [
        threading.Thread(
            target=_flood_connection, args=(port, points, seed, deadline, statuses, lock)
        )
        for seed in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((dict(statuses), time.process_time()))


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid` and its children (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@dataclass
class Phase:
    """One phase: the residents' latencies and other answers, the flooder's answers by status
    and its CPU seconds, the server's CPU seconds and the machine's load average."""

    name: str
    latencies: list[float]
    errors: list[str]
    flood: Counter
    flood_cpu: float
    server_cpu: float
    load: tuple[float, float]


def run_phase(name: str, port: int, server_pid: int, points, args, *, flooding: bool) -> Phase:
    load_before, server_before = os.getloadavg()[0], cpu_seconds(server_pid)
    flooder = None
    # A fresh interpreter, not a fork: the flooder must not share this process's connections.
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    if flooding:
        seconds = args.seconds + 2 * LEAD_S
        flooder = context.Process(
            target=flood, args=(port, points, seconds, args.flood_connections, results)
        )
        flooder.start()
    start_at = time.monotonic() + LEAD_S
    residents = [
        Resident(port, f"127.0.0.{10 + i}", points, args.seconds, start_at + i / args.residents, i)
        for i in range(args.residents)
    ]
    for resident in residents:
        resident.start()
    for resident in residents:
        resident.join()
    counts, flood_cpu = Counter(), 0.0
    if flooder is not None:
        statuses, flood_cpu = results.get(timeout=120)
        counts.update(statuses)
        flooder.join()
    return Phase(
        name,
        [lat for r in residents for lat in r.latencies],
        [e for r in residents for e in r.errors],
        counts,
        flood_cpu,
        cpu_seconds(server_pid) - server_before,
        (load_before, os.getloadavg()[0]),
    )


def pooled(phases: list[Phase], name: str) -> Phase:
    """The phases called `name` as one."""
    chosen = [p for p in phases if p.name == name]
    return Phase(
        name,
        [lat for p in chosen for lat in p.latencies],
        [e for p in chosen for e in p.errors],
        sum((p.flood for p in chosen), Counter()),
        sum(p.flood_cpu for p in chosen),
        sum(p.server_cpu for p in chosen),
        (min(p.load[0] for p in chosen), max(p.load[1] for p in chosen)),
    )


def report(phase: Phase, label: str, seconds: float, flood_seconds: float) -> None:
    """One line for the residents, one for the flooder (if it ran); CPU in cores used."""
    latencies = phase.latencies
    print(
        f"{label:<20} residents {len(latencies):>4} answers  "
        f"p50 {1000 * percentile(latencies, 0.5):6.1f} ms  "
        f"p95 {1000 * percentile(latencies, 0.95):6.1f} ms  "
        f"max {1000 * max(latencies):6.1f} ms  not 2xx {len(phase.errors)}  "
        f"server CPU {phase.server_cpu / seconds:4.2f}  "
        f"load {phase.load[0]:.1f}-{phase.load[1]:.1f}"
    )
    if phase.errors:
        print(f"{'':<20} residents' other answers: {dict(Counter(phase.errors))}")
    total = sum(phase.flood.values())
    if total:
        shares = ", ".join(
            f"{status} {100 * n / total:.1f} %" for status, n in sorted(phase.flood.items())
        )
        print(
            f"{'':<20} flooder {total} requests, {total / flood_seconds:.0f}/s, "
            f"CPU {phase.flood_cpu / flood_seconds:4.2f}: {shares}"
        )


def summary(label: str, phases: list[Phase], args) -> None:
    """The rounds pooled, and the flood's p95 and p50 as multiples of the baseline's."""
    rounds = args.rounds
    base, flooded = pooled(phases, "baseline"), pooled(phases, "flood")
    seconds = rounds * args.seconds
    report(base, f"{label}: baseline", seconds, seconds)
    report(flooded, f"{label}: flood", seconds, rounds * (args.seconds + 2 * LEAD_S))
    ratios = []
    for number in range(rounds):
        pair = phases[2 * number : 2 * number + 2]
        ratios.append(percentile(pair[1].latencies, 0.95) / percentile(pair[0].latencies, 0.95))
    p95 = percentile(flooded.latencies, 0.95) / percentile(base.latencies, 0.95)
    p50 = percentile(flooded.latencies, 0.5) / percentile(base.latencies, 0.5)
    print(
        f"{label}: residents' p95 {p95:.2f}x the baseline (rounds: "
        f"{', '.join(f'{r:.2f}x' for r in ratios)}), p50 {p50:.2f}x"
    )


def _delete_bench_pins() -> int:
    from walks.models import ResidentPin

    return ResidentPin.objects.filter(description=BENCH_TEXT).delete()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase (s)")
    parser.add_argument("--rounds", type=int, default=3, help="baseline + flood pairs")
    parser.add_argument("--residents", type=int, default=10)
    parser.add_argument("--flood-connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--no-unlimited", action="store_true", help="skip the unlimited server")
    args = parser.parse_args(argv)
    for name in ("seconds", "rounds", "residents", "flood_connections", "workers", "threads"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}")
    if args.residents > 200:
        parser.error("--residents must be at most 200 (one 127.0.0.x address each)")

    os.environ.update({"DJANGO_SETTINGS_MODULE": SETTINGS, "TRYGG_DB_NAME": BENCH_DB})
    from gis.embedded_db import EmbeddedCluster

    cluster = EmbeddedCluster()
    started_cluster = cluster.start()
    server = None
    walk = None
    try:
        prepare_database()
        import django

        django.setup()
        walk, points = bench_walk(f"Flood {uuid.uuid4().hex[:6]}")
        print(
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; gunicorn {args.workers} "
            f"workers x {args.threads} threads; {args.residents} residents at 1 request/s; "
            f"flooder: {args.flood_connections} connections; {args.seconds:.0f} s per phase"
        )
        limits_off = {f"TRYGG_RATE_LIMIT_{scope.upper()}": "" for scope in RATE_DEFAULTS}
        setups = [("limited", {})] + ([] if args.no_unlimited else [("unlimited", limits_off)])
        results = {}
        for label, extra_env in setups:
            port = free_port()
            command = gunicorn_command(port, args.workers, args.threads)
            server = start_server(command, server_env(**extra_env), port)
            phases = []
            for number in range(1, args.rounds + 1):
                for name in ("baseline", "flood"):
                    phase = run_phase(
                        name, port, server.pid, points, args, flooding=name == "flood"
                    )
                    phases.append(phase)
                    flood_seconds = args.seconds + 2 * LEAD_S
                    report(phase, f"{label} {name} {number}", args.seconds, flood_seconds)
            stop_server(server)
            server = None
            results[label] = phases
        print()
        for label, phases in results.items():
            summary(label, phases, args)
        return 0
    finally:
        if server is not None:
            stop_server(server)
        if walk is not None:
            walk.delete()
            print(f"deleted {_delete_bench_pins()} bench pins and their dependants")
        from django.db import connections

        connections.close_all()
        if started_cluster:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

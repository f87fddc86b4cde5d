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
import os
import random
import sys
import threading
import time
import uuid

from gis.drills.phones import (
    BENCH_DB,
    ONE_ADDRESS_CROWD,
    SETTINGS,
    Outbox,
    Upload,
    bench_walk,
    finding_upload,
    gunicorn_command,
    join_upload,
    prepare_database,
    report,
    server_env,
    start_server,
    stop_server,
)
from gis.loopback import free_port


class Walker(threading.Thread):
    """One phone: joins, then one request per second on its own keep-alive connection."""

    def __init__(self, port, code, points, seconds, replay_share, seed, start_at, reference):
        super().__init__(daemon=True)
        self.code = code
        self.points = points
        self.seconds = seconds
        self.replay_share = replay_share
        self.random = random.Random(seed)
        self.start_at = start_at
        self.reference = reference
        self.outbox = Outbox(port, str(uuid.uuid4()), seed)
        self.sent: list[Upload] = []

    def run(self) -> None:
        if not self.reference:
            self.outbox.send(join_upload(self.code, self.outbox.device))
            self.outbox.attempts.clear()
        time.sleep(max(0.0, self.start_at - time.monotonic()))
        begin = time.monotonic()
        tick = 0
        while tick < self.seconds:
            time.sleep(max(0.0, begin + tick - time.monotonic()))
            tick += 1
            if self.reference:
                self.outbox.send(Upload("healthz", "reference", "/healthz", None, method="GET"))
            elif self.sent and self.random.random() < self.replay_share:
                self.outbox.send(self.random.choice(self.sent))
            else:
                point = self.random.choice(self.points)
                upload = self.outbox.add(
                    finding_upload(self.code, self.outbox.device, point, self.random)
                )
                if self.outbox.send(upload).startswith("2"):
                    self.sent.append(upload)


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


def summary(label: str, crowd: list[Walker], seconds: float) -> None:
    attempts = [a for w in crowd for a in w.outbox.attempts]
    answered = [a.ended - a.started for a in attempts if a.outcome.isdigit()]
    errors = [a.outcome for a in attempts if not a.outcome.startswith("2")]
    report(label, answered, errors, seconds)


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

        from walks.models import WalkFinding

        walk, points = bench_walk(f"Bench {uuid.uuid4().hex[:6]}")

        port = free_port()
        command = gunicorn_command(port, args.workers, args.threads)
        server = start_server(command, server_env(**ONE_ADDRESS_CROWD), port)
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

        acknowledged = set().union(*(w.outbox.acknowledged("finding") for w in crowd))
        stored = WalkFinding.objects.filter(walk=walk)
        stored_ids = {str(u) for u in stored.values_list("client_uuid", flat=True)}
        duplicated_rows = (
            stored.values("client_uuid").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        replayed = [a for w in crowd for a in w.outbox.attempts if a.replay]
        replays = sum(a.outcome.startswith("2") for a in replayed)
        replays_created = sum(a.outcome == "201" for a in replayed)
        errors = sum(not a.outcome.startswith("2") for w in crowd for a in w.outbox.attempts)
        print()
        label = f"reference: GET /healthz ({reference_seconds:.0f} s)"
        summary(label, reference, reference_seconds)
        summary(f"POST findings ({args.seconds:.0f} s)", crowd, args.seconds)
        print(
            f"acknowledged findings {len(acknowledged)}, stored {len(stored_ids)}, "
            f"replays {replays} (answered 201: {replays_created})"
        )
        lost = len(acknowledged - stored_ids)
        duplicated = duplicated_rows + replays_created
        print(f"errors {errors}, lost {lost}, duplicated {duplicated}")
        walk.delete()
        return 0 if lost == 0 and duplicated == 0 else 1
    finally:
        if server is not None:
            stop_server(server)
        from django.db import connections

        connections.close_all()
        if started_cluster:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

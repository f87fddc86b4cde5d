"""The web server crashes under the 50-walker load (SIGKILL), restarts, the phones replay:
every acknowledged finding and photo is in the database exactly once.

    .venv/bin/python bench/bench_web_kill.py                          # 50 walkers, 60 s, 3 kills
    .venv/bin/python bench/bench_web_kill.py --kills 1 --seconds 20   # shorter; see --help

Same database (`trygg_bench`) and server (gunicorn, gthread workers, demo settings with DEBUG
off) as bench_field_load.py; photos go to a temporary media directory, deleted at the end with
the bench walk, also on failure. Each walker is a phone with the field app's outbox
(`gis.drills.phones.Outbox`): it joins, then adds one finding a second (some with a photo, sent
separately once the finding is acknowledged) and flushes its queue; whatever was not answered
2xx is resent with the same client_uuid, with the field app's backoff. `--kills` times during
the load the whole gunicorn process group (master and workers) gets SIGKILL: no graceful
shutdown, requests in flight get no answer. After `--down` seconds gunicorn is started again
on the same port. The load lasts `--seconds`, and longer if the restarts are slow: after the
last restart it goes on for as long as the interval between two kills. Then the phones keep
flushing until their queues are empty (at most `--drain` seconds), and the database is checked:

    missing        acknowledged (2xx) but not stored
    stored twice   a client_uuid stored more than once
    never sent     stored, but no phone made that id
    still queued   not acknowledged when the drain ended

and the script exits 1 if any of these (or a rejected upload) is not zero. Printed per kill:
requests in flight at the kill (sent, never answered), connection errors until the first
success, and the time from the restart to /healthz and to the first acknowledged upload.

Before the load, the start of a cold server is timed on its own (`--boot-runs` times each with
1 and 2 gthread workers, with the application preloaded in the master as in production
(gis/gunicorn_conf.py) and without; `--boot-only` stops there): from starting gunicorn to the
first 2xx of /healthz (polled every 20 ms), median, min and max. The heavy analysis libraries
are imported on first use (gis.core.lazy), not when a worker boots (tests/core/
test_lazy_boot.py keeps it so).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from gis.drills.phones import (
    BENCH_DB,
    ONE_ADDRESS_CROWD,
    SETTINGS,
    Attempt,
    Outbox,
    bench_walk,
    crash_server,
    finding_upload,
    gunicorn_command,
    join_upload,
    photo_upload,
    prepare_database,
    report,
    sample_jpeg,
    server_env,
    start_server,
    stop_server,
)
from gis.drills.reaper import subreaper
from gis.loopback import free_port

NETWORK = ("refused", "unknown")


class Walker(threading.Thread):
    """One phone: a finding a second into its outbox (a share with a photo), flushed after each,
    until `load_over` is set; then it flushes until the outbox is empty or `drain` s passed."""

    def __init__(self, port, code, points, seed, photo_share, jpeg, start_at, load_over, drain):
        super().__init__(daemon=True)
        self.outbox = Outbox(port, str(uuid.uuid4()), seed)
        self.code = code
        self.points = points
        self.random = random.Random(seed)
        self.photo_share = photo_share
        self.jpeg = jpeg
        self.start_at = start_at
        self.load_over = load_over
        self.drain = drain

    def _add_finding(self) -> None:
        point = self.random.choice(self.points)
        finding = self.outbox.add(finding_upload(self.code, self.outbox.device, point, self.random))
        if self.random.random() < self.photo_share:
            self.outbox.add(photo_upload(self.code, finding, self.jpeg))

    def run(self) -> None:
        self.outbox.add(join_upload(self.code, self.outbox.device))
        time.sleep(max(0.0, self.start_at - time.monotonic()))
        tick = 0
        while not self.load_over.is_set():
            while self.start_at + tick <= time.monotonic():
                self._add_finding()
                tick += 1
            self.outbox.flush()
            self.load_over.wait(max(0.0, self.start_at + tick - time.monotonic()))
        deadline = time.monotonic() + self.drain
        while self.outbox.pending() and time.monotonic() < deadline:
            self.outbox.flush()
            time.sleep(0.2)
        self.outbox.drop()


@dataclass
class Outage:
    """One kill: when the group got SIGKILL, when gunicorn was started again, when it answered
    /healthz (monotonic seconds)."""

    killed: float
    restarted: float
    healthy: float


def kill_cycles(server, port, command, env, log, begin, seconds, kills, down):
    """SIGKILL the server `kills` times, evenly over the load (each at least 5 s after the
    previous restart answered), restarting it after `down` s. Returns the outages and the
    running server."""
    outages: list[Outage] = []
    for k in range(1, kills + 1):
        due = begin + seconds * k / (kills + 1)
        if outages:
            due = max(due, outages[-1].healthy + 5.0)
        time.sleep(max(0.0, due - time.monotonic()))
        killed = time.monotonic()
        crash_server(server, port)
        time.sleep(max(0.0, killed + down - time.monotonic()))
        restarted = time.monotonic()
        server = start_server(command, env, port, log=log)
        outages.append(Outage(killed, restarted, time.monotonic()))
    return outages, server


def outage_figures(outage: Outage, attempts: list[Attempt]) -> tuple[int, int, float]:
    """Requests in flight at the kill, connection errors until the first acknowledged upload
    after the restart, and that first success (monotonic s)."""
    in_flight = sum(
        a.started < outage.killed <= a.ended and a.outcome == "unknown" for a in attempts
    )
    first = min(
        (a.ended for a in attempts if a.outcome.startswith("2") and a.ended > outage.restarted),
        default=float("nan"),
    )
    errors = sum(outage.killed <= a.ended <= first and a.outcome in NETWORK for a in attempts)
    return in_flight, errors, first


def check_stored(walk, crowd: list[Walker], media: Path) -> dict[str, int]:
    """Compare what the phones sent and had acknowledged with the database; print and return
    the counts of problems."""
    from walks.models import FindingPhoto, WalkFinding

    uploads = [u for w in crowd for u in w.outbox.uploads.values()]
    problems: dict[str, int] = {}
    stored_findings = Counter(
        str(u) for u in WalkFinding.objects.filter(walk=walk).values_list("client_uuid", flat=True)
    )
    photo_rows = list(
        FindingPhoto.objects.filter(finding__walk=walk).values_list(
            "client_uuid", "finding__client_uuid", "image", "thumbnail"
        )
    )
    stored_photos = Counter(str(row[0]) for row in photo_rows)
    parents = {str(row[0]): str(row[1]) for row in photo_rows}
    for kind, stored in (("finding", stored_findings), ("photo", stored_photos)):
        sent = {u.client_uuid for u in uploads if u.kind == kind}
        acked = {u.client_uuid for u in uploads if u.kind == kind and u.status}
        missing = len(acked - set(stored))
        twice = sum(n > 1 for n in stored.values())
        never_sent = len(set(stored) - sent)
        print(
            f"{kind + 's':<9} sent {len(sent):5d}, acknowledged {len(acked):5d}, stored "
            f"{sum(stored.values()):5d}; missing {missing}, stored twice {twice}, "
            f"never sent {never_sent}"
        )
        problems[f"{kind}s missing"] = missing
        problems[f"{kind}s stored twice"] = twice
        problems[f"{kind}s never sent"] = never_sent
    wrong_parent = sum(
        parents.get(u.client_uuid, u.parent) != u.parent for u in uploads if u.kind == "photo"
    )
    referenced = {name for row in photo_rows for name in row[2:4] if name}
    on_disk = {str(p.relative_to(media)) for p in media.rglob("*.jpg")}
    missing_files = len(referenced - on_disk)
    print(
        f"photo files: {missing_files} of the stored photos missing, {len(on_disk - referenced)} "
        f"written but not in the database (upload killed before its commit), "
        f"{wrong_parent} photos on the wrong finding"
    )
    problems["photo files missing"] = missing_files
    problems["photos on the wrong finding"] = wrong_parent
    problems["still queued"] = sum(len(w.outbox.pending()) for w in crowd)
    problems["rejected"] = sum(bool(u.rejected) for u in uploads)
    return problems


def print_figures(outages: list[Outage], crowd: list[Walker], begin: float, seconds: float):
    attempts = [a for w in crowd for a in w.outbox.attempts if a.kind != "join"]
    print()
    print("kill  at (s)  in flight  conn. errors  restart->/healthz  restart->first 2xx")
    windows = []
    for number, outage in enumerate(outages, 1):
        in_flight, errors, first = outage_figures(outage, attempts)
        windows.append((outage.killed, first))
        print(
            f"{number:4d}  {outage.killed - begin:6.1f}  {in_flight:9d}  {errors:12d}  "
            f"{outage.healthy - outage.restarted:15.2f} s  {first - outage.restarted:16.2f} s"
        )
    print()
    answered = [a.ended - a.started for a in attempts if a.outcome.isdigit()]
    failed = [a.outcome for a in attempts if not a.outcome.startswith("2")]
    report(f"POST findings and photos ({seconds:.0f} s)", answered, failed, seconds)
    replays = Counter(a.outcome for a in attempts if a.replay and a.outcome.startswith("2"))
    print(
        f"replays acknowledged {sum(replays.values())}: answered 200 (stored before, answer lost) "
        f"{replays['200']}, 201 (never reached the database) {replays['201']}"
    )
    network = [a for a in attempts if a.outcome in NETWORK]
    during = [a for a in network if any(k <= a.ended <= f for k, f in windows)]
    kinds = Counter(a.outcome for a in during)
    print(
        f"connection errors {len(during)} during the outages (refused {kinds['refused']}, "
        f"no answer {kinds['unknown']}), {len(network) - len(during)} outside them"
    )


def first_2xx(command: list[str], env: dict[str, str], port: int, log: Path) -> float:
    """Start gunicorn, poll /healthz every 20 ms, and return the seconds from the start to the
    first 2xx; the server is stopped again."""
    import urllib.request

    with open(log, "a") as output:
        started = time.monotonic()
        server = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        while time.monotonic() - started < 90:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if 200 <= r.status < 300:
                        return time.monotonic() - started
            except OSError:
                pass
            if server.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"gunicorn did not answer /healthz: {log.read_text()[-2000:]}")
    finally:
        stop_server(server)


def boot_figures(runs: int, threads: int, env: dict[str, str], log: Path) -> None:
    """Print start -> first 2xx of a cold gunicorn with 1 and 2 gthread workers."""
    print(f"start -> first 2xx of /healthz, gthread x {threads} threads, {runs} runs each:")
    for preload in (True, False):
        for workers in (1, 2):
            times = []
            for _ in range(runs):
                port = free_port()
                command = gunicorn_command(port, workers, threads, preload=preload)
                times.append(first_2xx(command, env, port, log))
            median = statistics.median(times)
            print(
                f"  {workers} worker{'s' if workers > 1 else ' '} "
                f"{'preloaded (production)' if preload else 'not preloaded         '}"
                f"  median {median:.2f} s  (min {min(times):.2f}, max {max(times):.2f})"
            )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="least duration of the load (s)"
    )
    parser.add_argument("--walkers", type=int, default=50)
    parser.add_argument("--kills", type=int, default=3, help="kill/restart cycles in the load")
    parser.add_argument("--down", type=float, default=3.0, help="seconds the server stays dead")
    parser.add_argument("--photos", type=float, default=0.1, help="share of findings with a photo")
    parser.add_argument("--drain", type=float, default=120.0, help="max s to empty the queues")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument(
        "--boot-runs", type=int, default=3, help="cold starts timed per worker count (0: none)"
    )
    parser.add_argument(
        "--boot-only", action="store_true", help="time the cold starts only, no load and kills"
    )
    args = parser.parse_args(argv)
    for name in ("seconds", "walkers", "kills", "workers", "threads"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be > 0, got {getattr(args, name)}")
    for name in ("down", "drain", "boot_runs"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be >= 0, got {getattr(args, name)}")
    if not 0 <= args.photos <= 1:
        parser.error(f"--photos must be in [0, 1], got {args.photos}")

    workdir = Path(tempfile.mkdtemp(prefix="trygg-bench-webkill-"))
    media, log = workdir / "media", workdir / "server.log"
    extra = {"TRYGG_DB_NAME": BENCH_DB, "TRYGG_MEDIA_ROOT": str(media)}
    os.environ.update({"DJANGO_SETTINGS_MODULE": SETTINGS, **extra})
    from gis.embedded_db import EmbeddedCluster

    cluster = EmbeddedCluster()
    started_cluster = cluster.start()
    server = walk = None
    try:
        prepare_database()
        import django

        django.setup()
        walk, points = bench_walk(f"Bench web kill {uuid.uuid4().hex[:6]}")
        port = free_port()
        env = server_env(TRYGG_MEDIA_ROOT=str(media), **ONE_ADDRESS_CROWD)
        command = gunicorn_command(port, args.workers, args.threads)
        if args.boot_runs or args.boot_only:
            boot_figures(max(args.boot_runs, 1), args.threads, env, log)
            if args.boot_only:
                return 0
        with subreaper():  # the killed workers are reaped here rather than left to init
            server = start_server(command, env, port, log=log)
            print(
                f"gunicorn {args.workers} workers x {args.threads} threads (gthread) on "
                f"127.0.0.1:{port}, {args.walkers} walkers, 1 finding/s each, "
                f"{args.photos:.0%} with a photo; {args.kills} x SIGKILL of the process group, "
                f"restarted after {args.down:.1f} s"
            )
            begin = time.monotonic() + 2.0
            jpeg, load_over = sample_jpeg(0), threading.Event()
            crowd = [
                Walker(
                    port,
                    walk.join_code,
                    points,
                    seed,
                    args.photos,
                    jpeg,
                    begin + seed / args.walkers,
                    load_over,
                    args.drain,
                )
                for seed in range(args.walkers)
            ]
            for walker in crowd:
                walker.start()
            outages, server = kill_cycles(
                server, port, command, env, log, begin, args.seconds, args.kills, args.down
            )
            # The load goes on after the last restart for as long as between two kills.
            tail = args.seconds / (args.kills + 1)
            time.sleep(max(0.0, begin + args.seconds - time.monotonic()))
            time.sleep(max(0.0, outages[-1].healthy + tail - time.monotonic()))
            load_over.set()
            seconds = time.monotonic() - begin
            for walker in crowd:
                walker.join()
            drained = time.monotonic() - begin - seconds
        print_figures(outages, crowd, begin, seconds)
        print(f"queues drained {drained:.1f} s after the load ended")
        problems = check_stored(walk, crowd, media)
        text = log.read_text()
        print(
            f"server log: 'Traceback' x{text.count('Traceback')}, "
            f"'Internal Server Error' x{text.count('Internal Server Error')}"
        )
        failed = {name: n for name, n in problems.items() if n}
        print("exactly once: yes" if not failed else f"exactly once: NO {failed}")
        return 1 if failed else 0
    finally:
        if server is not None:
            stop_server(server)
        if walk is not None:
            walk.delete()
        from django.db import connections

        connections.close_all()
        if started_cluster:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

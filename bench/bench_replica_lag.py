"""Replication lag of a streaming standby under the field load bench's traffic.

    .venv/bin/python bench/bench_replica_lag.py                  # 30 s of field load
    .venv/bin/python bench/bench_replica_lag.py --seconds 60 --walkers 50

The embedded cluster gets a hot standby (gis.replica: pg_basebackup -R, streaming replication,
its own directories under var/replica-bench, removed afterwards). While `bench_field_load.py`
runs unchanged as a child process against the primary (50 walkers posting one finding a second
each to gunicorn, on the bench database `trygg_bench`), the primary's `pg_stat_replication` is
sampled every `--interval` seconds from the moment its server is up (the child reloads the demo
first: that is not sampled), and the samples are split by the child's phases: its reference
(GET /healthz, no writes, 10 s) and the load (POST findings):

    replay lag   `replay_lag`: from a WAL record flushed on the primary to the standby's report
                 that it has applied it (PostgreSQL keeps it while WAL flows; idle: no value)
    behind       bytes of WAL written on the primary and not yet replayed on the standby

Reference in the same run: the same sampling for `--idle-seconds` before the load, with no
traffic. Afterwards the standby must hold exactly the findings the primary holds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from gis.drills.phones import BENCH_DB, SETTINGS, percentile, prepare_database

ROOT = Path(__file__).resolve().parents[1]


class Sampler(threading.Thread):
    """Samples the standby's lag as the primary sees it until stopped."""

    def __init__(self, standby, interval: float) -> None:
        super().__init__(daemon=True)
        self.standby = standby
        self.interval = interval
        self.samples: list[dict] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.samples.append({**self.standby.lag(), "at": time.monotonic()})
            self.done.wait(self.interval)

    def stop(self) -> list[dict]:
        self.done.set()
        self.join()
        return self.samples


def lag_line(label: str, samples: list[dict]) -> str:
    states = {s["state"] for s in samples}
    seconds = [s["seconds"] for s in samples if s["seconds"] is not None]
    behind = [s["bytes"] for s in samples if s["bytes"] is not None]
    if seconds:
        lag = (
            f"replay lag p50 {1000 * percentile(seconds, 0.5):7.2f} ms  "
            f"p95 {1000 * percentile(seconds, 0.95):7.2f} ms  "
            f"max {1000 * max(seconds):7.2f} ms"
        )
    else:
        lag = "replay lag -- (no WAL flowed)"
    far = (
        f"behind p95 {percentile(behind, 0.95) / 1024:8.1f} KiB  max {max(behind) / 1024:8.1f} KiB"
        if behind
        else "behind --"
    )
    return (
        f"{label:<26} {len(samples):>5} samples  {lag}  {far}  "
        f"states {','.join(sorted(str(s) for s in states))}"
    )


def findings(host: str) -> int:
    import psycopg

    from gis.embedded_db import DB_USER

    with psycopg.connect(host=host, user=DB_USER, dbname=BENCH_DB) as conn:
        return conn.execute("SELECT count(*) FROM walks_walkfinding").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of the field load")
    parser.add_argument("--walkers", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.05, help="sampling interval (s)")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="reference, no load")
    args = parser.parse_args(argv)
    for name in ("seconds", "walkers", "interval", "idle_seconds"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}")

    os.environ.update({"DJANGO_SETTINGS_MODULE": SETTINGS, "TRYGG_DB_NAME": BENCH_DB})
    from gis.embedded_db import EmbeddedCluster
    from gis.paths import var_dir
    from gis.replica import StandbyCluster

    cluster = EmbeddedCluster()
    started_cluster = cluster.start()
    standby = StandbyCluster(cluster, var_dir() / "replica-bench")
    shutil.rmtree(standby.root, ignore_errors=True)
    try:
        prepare_database()
        began = time.monotonic()
        standby.start()
        size = sum(f.stat().st_size for f in standby.data_dir.rglob("*") if f.is_file())
        print(
            f"standby: pg_basebackup -R + start {time.monotonic() - began:.1f} s, "
            f"{size / 2**20:.0f} MiB, {standby.lag()['state']}"
        )

        idle = Sampler(standby, args.interval)
        idle.start()
        time.sleep(args.idle_seconds)
        idle_samples = idle.stop()

        loaded = Sampler(standby, args.interval)
        command = [
            sys.executable,
            "-u",
            str(ROOT / "bench" / "bench_field_load.py"),
            "--seconds",
            str(args.seconds),
            "--walkers",
            str(args.walkers),
        ]
        load = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        served_at = None
        for line in load.stdout:
            print(line, end="", flush=True)
            if served_at is None and line.startswith("gunicorn "):
                served_at = time.monotonic()  # the server is up: the phases start now
                loaded.start()
        load.wait()
        samples = loaded.stop() if served_at is not None else []
        # bench_field_load: each phase starts 2 s after it is set up; the reference lasts
        # min(10 s, --seconds), the load --seconds.
        reference_s = min(10.0, args.seconds)
        reference_end = served_at + 2 + reference_s if served_at else 0
        load_start, load_end = reference_end + 2, reference_end + 2 + args.seconds
        reference = [s for s in samples if s["at"] <= reference_end]
        load_samples = [s for s in samples if load_start <= s["at"] <= load_end]

        caught_up = standby.wait_caught_up()
        on_primary, on_standby = findings(str(cluster.run_dir)), findings(str(standby.run_dir))
        print()
        print(lag_line(f"idle ({args.idle_seconds:g} s)", idle_samples))
        print(lag_line("GET /healthz (no writes)", reference))
        print(lag_line(f"POST findings ({args.seconds:g} s)", load_samples))
        print(
            f"after the load: standby caught up in {1000 * caught_up:.1f} ms; findings on the "
            f"primary {on_primary}, on the standby {on_standby}"
        )
        consistent = on_primary == on_standby
        return 0 if load.returncode == 0 and consistent else 1
    finally:
        standby.remove()
        if started_cluster:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

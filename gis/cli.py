"""The `trygg` command: the embedded database, the demo, and every Django management command.

    trygg db start|stop|status     manage the private PostGIS cluster under var/
    trygg db replica start|stop|status|remove  a streaming standby of it (docs/replica.md)
    trygg demo [--reset]           load the demo municipality and serve it at 127.0.0.1:8000
    trygg load-osm FILE            load an OSM extract (.osm.pbf or .osm) into the layers
    trygg import LAYER FILE        import a register or list into a layer (docs/import.md)
    trygg imports list|undo        the import batches; take one back
    trygg partners create|list|revoke  EST partners and their API keys
    trygg prioritise               recompute the ranked fixes
    trygg nightly --all            every municipality's analyses as dask tasks (docs/jobs.md)
    trygg db_worker                run the pages' background tasks (the ranking's recompute)
    trygg plan-walk                propose a safety walk's stops and route (docs/walkplan.md)
    trygg notices send|digest      send queued e-mail, queue the staff digests
    trygg personal-data export|erase --email ADDRESS  a resident's GDPR request
    trygg <command> ...            any Django management command (migrate, createsuperuser, ...)

With no DATABASE_URL the embedded cluster is started for the command and, if this command
started it, stopped cleanly afterwards.
"""

from __future__ import annotations

import os
import signal
import sys

from gis.embedded_db import EmbeddedCluster, EmbeddedDbError

DB_ACTIONS = ("start", "stop", "status")
REPLICA_ACTIONS = ("start", "stop", "status", "remove")
# Commands that serve with Django's development server (a new thread for every request).
THREAD_PER_REQUEST = ("runserver", "demo")


def _settings_module() -> str:
    default = "gis.settings.production" if os.environ.get("DATABASE_URL") else "gis.settings.demo"
    return os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)


def _db(args: list[str]) -> int:
    """The embedded cluster, or with `replica` first its streaming standby (gis.replica)."""
    replica = args[:1] == ["replica"]
    actions, command = (REPLICA_ACTIONS, "db replica") if replica else (DB_ACTIONS, "db")
    args = args[1:] if replica else args
    if len(args) != 1 or args[0] not in actions:
        print(f"usage: trygg {command} {{{'|'.join(actions)}}}", file=sys.stderr)
        return 2
    if os.environ.get("DATABASE_URL"):
        print("trygg: DATABASE_URL is set; the embedded database is not used", file=sys.stderr)
        return 2
    cluster = EmbeddedCluster()
    action = args[0]
    if replica:
        from gis.replica import StandbyCluster

        if action == "start" and not cluster.is_running():
            print(
                "trygg: the primary is not running; start it first: trygg db start", file=sys.stderr
            )
            return 2
        cluster = StandbyCluster(cluster)
    if action == "start":
        started = cluster.start()
        print("started" if started else "already running", cluster.status())
        if replica:
            print(f"TRYGG_REPLICA_URL={cluster.url()}")
    elif action == "stop":
        print("stopped" if cluster.stop() else "not running")
    elif action == "remove":
        cluster.remove()
        print("removed")
    else:
        print(cluster.status())
        return 0 if cluster.is_running() else 3
    return 0


def _django(args: list[str]) -> int:
    from django.core.management import execute_from_command_line

    command, *rest = args
    execute_from_command_line(["trygg", command.replace("-", "_"), *rest])
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `trygg` console script; returns the exit code."""
    # Ctrl-C and SIGTERM both end a command through `finally`, so the database is stopped
    # cleanly, even when started from a script that ignores SIGINT in background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    _settings_module()
    if args[0] in THREAD_PER_REQUEST:
        # Django's development server serves each request in a thread of its own: a
        # connection kept open after it would only wait idle (gis.settings.base).
        os.environ.setdefault("TRYGG_CONN_MAX_AGE", "0")
    try:
        if args[0] == "db":
            return _db(args[1:])
        cluster = None if os.environ.get("DATABASE_URL") else EmbeddedCluster()
        started = cluster.start() if cluster else False
        try:
            return _django(args)
        finally:
            if started:
                cluster.stop()
    except EmbeddedDbError as error:
        print(f"trygg: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

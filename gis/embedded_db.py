"""A private PostgreSQL + PostGIS cluster under `var/`, used when no DATABASE_URL is given.

The cluster listens on a unix socket inside `var/run` only (no TCP port) and trusts local
connections, so only this user (and root) can reach it. PostgreSQL refuses to run as root: when
run as root, the cluster is owned by and started as the `postgres` system user.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from gis.paths import var_dir

DB_NAME = "trygg"
DB_USER = "trygg"
INSTALL_HINT = "sudo apt-get install -y postgresql-15 postgresql-15-postgis-3 gdal-bin"


class EmbeddedDbError(RuntimeError):
    """The embedded cluster cannot be set up or started; the message says why in one line."""


def find_bindir() -> Path:
    """The directory of the newest installed PostgreSQL server binaries (TRYGG_PG_BINDIR wins)."""
    override = os.environ.get("TRYGG_PG_BINDIR")
    if override:
        if (Path(override) / "pg_ctl").exists():
            return Path(override)
        raise EmbeddedDbError(
            f"PostgreSQL server binaries not found in {override}; install them: {INSTALL_HINT}"
        )
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    raise EmbeddedDbError(f"PostgreSQL server binaries not found; install them: {INSTALL_HINT}")


def postgis_installed(bindir: Path) -> bool:
    """Whether the PostGIS extension is installed for the PostgreSQL in `bindir`."""
    major = bindir.parent.name
    places = [
        Path("/usr/share/postgresql") / major / "extension",
        bindir.parent / "share" / "extension",
        bindir.parent / "share" / "postgresql" / "extension",
    ]
    return any((place / "postgis.control").exists() for place in places)


class EmbeddedCluster:
    """The private cluster: data in `var/postgres`, socket and log in `var/run`."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else var_dir()
        self.data_dir = self.root / "postgres"
        self.run_dir = self.root / "run"
        self.log_file = self.run_dir / "postgres.log"

    # --- configuration -------------------------------------------------------------------
    def django_settings(self) -> dict:
        """The Django DATABASES entry for this cluster (a unix socket, no password)."""
        return {
            "ENGINE": "django.contrib.gis.db.backends.postgis",
            "NAME": os.environ.get("TRYGG_DB_NAME", DB_NAME),
            "USER": DB_USER,
            "HOST": str(self.run_dir),
            "CONN_HEALTH_CHECKS": True,
        }

    @property
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _run(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        """Run a server binary, as the `postgres` user when we are root."""
        if self._as_root:
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, capture_output=True, text=True, **kwargs)

    def _bindir(self) -> Path:
        bindir = find_bindir()
        if not postgis_installed(bindir):
            raise EmbeddedDbError(
                f"PostGIS is not installed for PostgreSQL; install it: {INSTALL_HINT}"
            )
        return bindir

    # --- lifecycle -----------------------------------------------------------------------
    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        result = self._run([str(self._bindir() / "pg_ctl"), "status", "-D", str(self.data_dir)])
        return result.returncode == 0

    def status(self) -> str:
        """One line: not initialised / stopped / running, with where."""
        if not self.is_initialised():
            return f"not initialised ({self.data_dir})"
        if self.is_running():
            return f"running ({self.data_dir}, socket in {self.run_dir})"
        return f"stopped ({self.data_dir})"

    def init(self) -> None:
        """Create the cluster's directories and run initdb (once)."""
        bindir = self._bindir()
        self._make_dirs()
        if not self.is_initialised():
            self._create_data_dir(bindir)

    def _create_data_dir(self, bindir: Path) -> None:
        """Fill the empty data directory: initdb (a standby takes a base backup instead)."""
        result = self._run(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                DB_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        if result.returncode != 0:
            raise EmbeddedDbError(f"initdb failed: {_last_line(result)}")

    def start(self) -> bool:
        """Initialise if needed, start, create the database; False if it was already running."""
        with self._lock():
            self.init()
            if self.is_running():
                return False
            bindir = self._bindir()
            options = (
                f"-k {self.run_dir} -c listen_addresses='' -c fsync=on"
                " -c recovery_init_sync_method=syncfs"  # quicker restart after a crash
            )
            result = self._run(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "-D",
                    str(self.data_dir),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(self.log_file),
                    "-o",
                    options,
                ]
            )
            if result.returncode != 0:
                raise EmbeddedDbError(
                    f"PostgreSQL did not start (see {self.log_file}): {_last_line(result)}"
                )
            self._create_database()
            return True

    def stop(self) -> bool:
        """Stop the server cleanly (fast shutdown); False if it was not running."""
        with self._lock():
            if not self.is_running():
                return False
            result = self._run(
                [
                    str(self._bindir() / "pg_ctl"),
                    "stop",
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                ]
            )
            if result.returncode != 0:
                raise EmbeddedDbError(f"PostgreSQL did not stop: {_last_line(result)}")
            return True

    # --- internals -----------------------------------------------------------------------
    def _create_database(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg.connect(
                    host=str(self.run_dir), user=DB_USER, dbname="postgres", autocommit=True
                )
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        with psycopg.connect(
            host=str(self.run_dir), user=DB_USER, dbname=DB_NAME, autocommit=True
        ) as db:
            db.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def _make_dirs(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for directory in (self.data_dir, self.run_dir):
            directory.mkdir(exist_ok=True)
        if self._as_root:
            _grant_traverse(self.root)
            postgres = pwd.getpwnam("postgres")
            for directory in (self.data_dir, self.run_dir):
                os.chown(directory, postgres.pw_uid, postgres.pw_gid)
        self.data_dir.chmod(0o700)
        self.run_dir.chmod(0o700)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise start/stop between processes (a test run and a server, say)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".postgres.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _grant_traverse(path: Path) -> None:
    """Let the `postgres` user pass through `path` and its parents (execute bit, no listing)."""
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(mode | stat.S_IXOTH)


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in (result.stderr or result.stdout or "").splitlines() if line.strip()]
    return lines[-1] if lines else f"exit code {result.returncode}"

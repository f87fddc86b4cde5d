"""A streaming replica of the embedded cluster, and the `replica` database alias.

`StandbyCluster` makes a hot standby of an `EmbeddedCluster` (the primary) with
`pg_basebackup -R` (a base backup that streams the WAL it needs and writes `standby.signal` and
`primary_conninfo`): its own data directory and socket directory, `var/replica/postgres` and
`var/replica/run` by default, no TCP port, started and stopped as the primary is (as the
`postgres` user when run as root). The standby then follows the primary by streaming
replication and serves read-only queries (`pg_is_in_recovery()` is true there).

    trygg db replica start|stop|status|remove     the standby of `trygg db`'s cluster

`replica_database_settings()` turns `TRYGG_REPLICA_URL` into the `replica` alias of
`DATABASES` (gis.core.dbrouter routes the read-only requests there); docs/replica.md says how
to run a standby in production.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path
from urllib.parse import quote

from gis.embedded_db import DB_NAME, DB_USER, EmbeddedCluster, EmbeddedDbError, _last_line

# Every session on the replica is read-only, so a replica URL that points at a writable server
# by mistake still never takes a write.
READ_ONLY_OPTIONS = "-c default_transaction_read_only=on"


def replica_database_settings(url: str, primary: dict) -> dict:
    """The `replica` alias: the primary's settings (engine, timeouts, connection lifetime)
    with the connection of `url`, read-only sessions, and in tests a mirror of `default`."""
    import dj_database_url

    parsed = dj_database_url.parse(url)
    config = {
        **primary,
        **{key: parsed[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
    }
    options = {**primary.get("OPTIONS", {}), **parsed.get("OPTIONS", {})}
    options["options"] = " ".join(filter(None, [options.get("options", ""), READ_ONLY_OPTIONS]))
    config["OPTIONS"] = options
    config["TEST"] = {"MIRROR": "default"}
    return config


class StandbyCluster(EmbeddedCluster):
    """A hot standby of `primary`, made by `pg_basebackup -R` and fed by streaming replication."""

    def __init__(self, primary: EmbeddedCluster, root: Path | None = None) -> None:
        super().__init__(root if root is not None else primary.root / "replica")
        self.primary = primary

    def url(self, dbname: str = DB_NAME) -> str:
        """A `TRYGG_REPLICA_URL` for this standby (its unix socket, database `dbname`)."""
        return f"postgres://{DB_USER}@{quote(str(self.run_dir), safe='')}/{dbname}"

    def _create_data_dir(self, bindir: Path) -> None:
        """The data directory is a base backup of the running primary."""
        if not self.primary.is_running():
            raise EmbeddedDbError(f"the primary is not running: {self.primary.status()}")
        result = self._run(
            [
                str(bindir / "pg_basebackup"),
                "--pgdata",
                str(self.data_dir),
                "--host",
                str(self.primary.run_dir),
                "--username",
                DB_USER,
                "--wal-method=stream",
                "--write-recovery-conf",
                "--checkpoint=fast",
                "--no-password",
                f"--dbname=application_name={self.application_name}",
            ]
        )
        if result.returncode != 0:
            # A half-written backup would pass for a data directory on the next try.
            self._empty_data_dir()
            raise EmbeddedDbError(f"pg_basebackup failed: {_last_line(result)}")

    def remove(self) -> None:
        """Stop the standby and delete its directories."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _create_database(self) -> None:
        """A standby takes no writes: wait until it accepts (read-only) connections and streams
        from the primary."""
        self.wait_ready()
        self.wait_streaming()

    def wait_streaming(self, timeout: float = 60) -> None:
        """Wait until the primary lists this standby as streaming (`pg_stat_replication`)."""
        deadline = time.monotonic() + timeout
        while self.lag()["state"] != "streaming":
            if time.monotonic() > deadline:
                raise EmbeddedDbError(f"the standby does not stream (see {self.log_file})")
            time.sleep(0.1)

    def wait_ready(self, timeout: float = 60) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(
                    host=str(self.run_dir), user=DB_USER, dbname="postgres", autocommit=True
                ) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise EmbeddedDbError(
                        f"the standby does not accept connections (see {self.log_file})"
                    ) from None
                time.sleep(0.2)

    # --- replication state --------------------------------------------------------------
    def lag(self) -> dict:
        """The standby's replication state as the primary sees it (`pg_stat_replication`):
        bytes of WAL not yet replayed and the replay lag in seconds (None when idle)."""
        import psycopg

        with psycopg.connect(
            host=str(self.primary.run_dir), user=DB_USER, dbname="postgres", autocommit=True
        ) as conn:
            row = conn.execute(
                "SELECT state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn),"
                " EXTRACT(EPOCH FROM replay_lag) FROM pg_stat_replication"
                " WHERE application_name = %s ORDER BY backend_start DESC LIMIT 1",
                (self.application_name,),
            ).fetchone()
        if row is None:
            return {"state": None, "bytes": None, "seconds": None}
        state, lag_bytes, seconds = row
        return {
            "state": state,
            "bytes": int(lag_bytes) if lag_bytes is not None else None,
            "seconds": float(seconds) if seconds is not None else None,
        }

    def wait_caught_up(self, timeout: float = 30) -> float:
        """Wait until the standby has replayed everything the primary had written when called;
        returns the seconds it took."""
        import psycopg

        started = time.monotonic()
        with psycopg.connect(
            host=str(self.primary.run_dir), user=DB_USER, dbname="postgres", autocommit=True
        ) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        with psycopg.connect(
            host=str(self.run_dir), user=DB_USER, dbname="postgres", autocommit=True
        ) as standby:
            while True:
                done = standby.execute(
                    "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0",
                    (str(target),),
                ).fetchone()[0]
                if done:
                    return time.monotonic() - started
                if time.monotonic() - started > timeout:
                    raise EmbeddedDbError(f"the standby did not catch up within {timeout:g} s")
                time.sleep(0.01)

    @property
    def application_name(self) -> str:
        """The name this standby gives the primary (`pg_stat_replication`), one per directory;
        `pg_basebackup -R` keeps it in `primary_conninfo`."""
        digest = hashlib.sha1(str(self.root.resolve()).encode()).hexdigest()[:10]
        return f"trygg_standby_{digest}"

    def _empty_data_dir(self) -> None:
        for child in self.data_dir.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)

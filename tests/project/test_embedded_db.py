"""The embedded cluster's lifecycle, on a private `var/` of its own, and the CLI around it."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from gis.embedded_db import EmbeddedCluster, EmbeddedDbError

ROOT = Path(__file__).resolve().parents[2]


def trygg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gis.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.mark.postgres
def test_lifecycle(tmp_path):
    cluster = EmbeddedCluster(tmp_path / "var")
    assert cluster.status().startswith("not initialised")
    assert cluster.start() is True
    try:
        assert cluster.is_running()
        assert cluster.start() is False  # idempotent
        settings = cluster.django_settings()
        with psycopg.connect(
            host=settings["HOST"], user=settings["USER"], dbname=settings["NAME"]
        ) as conn:
            version = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
        assert version.startswith("3.")
        # No TCP: the socket lives inside var/run.
        assert list((tmp_path / "var" / "run").glob(".s.PGSQL.*"))
    finally:
        assert cluster.stop() is True
    assert not cluster.is_running()
    assert cluster.stop() is False
    assert cluster.status().startswith("stopped")
    # Restart keeps the data.
    assert cluster.start() is True
    cluster.stop()


@pytest.mark.postgres
def test_cli_db_status_start_stop(tmp_path):
    env = {"TRYGG_VAR_DIR": str(tmp_path / "var")}
    status = trygg("db", "status", env=env)
    assert status.returncode == 3 and "not initialised" in status.stdout
    started = trygg("db", "start", env=env)
    assert started.returncode == 0 and "running" in started.stdout
    try:
        assert trygg("db", "status", env=env).returncode == 0
    finally:
        stopped = trygg("db", "stop", env=env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout


def test_cli_missing_postgres_is_one_clear_line(tmp_path):
    env = {"TRYGG_VAR_DIR": str(tmp_path / "var"), "TRYGG_PG_BINDIR": str(tmp_path / "nothing")}
    result = trygg("db", "start", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "PostgreSQL server binaries not found" in lines[0]
    assert "apt-get install" in lines[0] and "postgis" in lines[0]


def test_missing_binaries_raise(tmp_path, monkeypatch):
    monkeypatch.setenv("TRYGG_PG_BINDIR", str(tmp_path))
    with pytest.raises(EmbeddedDbError, match="not found"):
        EmbeddedCluster(tmp_path / "var").start()


def test_cli_usage_errors():
    result = trygg("db", "explode")
    assert result.returncode == 2 and "usage: trygg db" in result.stderr


def test_cli_command_error_is_one_line(tmp_path, embedded_cluster):
    result = trygg(
        "load-osm",
        str(tmp_path / "missing.osm.pbf"),
        env={"DJANGO_SETTINGS_MODULE": "gis.settings.test"},
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"CommandError: no such file: {tmp_path / 'missing.osm.pbf'}"


def test_run_script_usage():
    result = subprocess.run(["bash", str(ROOT / "run"), "bogus"], capture_output=True, text=True)
    assert result.returncode == 2 and "usage: ./run demo" in result.stderr


@pytest.mark.parametrize("srid", ["3006", "3067"])
def test_migrations_honour_the_installation_srid(srid, embedded_cluster):
    result = trygg(
        "sqlmigrate",
        "layers",
        "0001",
        env={"TRYGG_SRID": srid, "DJANGO_SETTINGS_MODULE": "gis.settings.test"},
    )
    assert result.returncode == 0, result.stderr
    assert f"geometry(POINT,{srid})" in result.stdout
    other = "3067" if srid == "3006" else "3006"
    assert f",{other})" not in result.stdout


def test_no_migration_freezes_an_srid():
    migrations = [*ROOT.glob("*/migrations/0*.py"), *ROOT.glob("gis/*/migrations/0*.py")]
    assert any("presence" in str(m) for m in migrations)  # the apps under gis/ too
    for migration in migrations:
        assert "srid=3" not in migration.read_text(), migration

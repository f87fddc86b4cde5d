"""The replica router's rules without a standby (the real standby: tests/trust/test_replica.py)."""

from __future__ import annotations

import os

from django.urls import URLPattern, URLResolver, get_resolver

from gis.core import dbrouter
from gis.replica import READ_ONLY_OPTIONS, replica_database_settings
from tests._cli import trygg


def route_names(patterns=None, namespace: str = "") -> set[str]:
    """Every named route of the project as Django reverses it ("namespace:name")."""
    names: set[str] = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= route_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_replica_route_is_a_route():
    missing = dbrouter.REPLICA_ROUTES - route_names()
    assert not missing, f"REPLICA_ROUTES names no route: {sorted(missing)}"


def test_lookups_of_what_a_client_just_sent_stay_on_the_primary():
    # A resident follows the report just sent; a partner fetches the request it created.
    names = route_names()
    own_writes = {
        name
        for name in names
        if name.startswith(("walks_api:open311-request-", "walks_api:open311-token-"))
        or name in {"walks:track", "walks_api:pin-track", "walks_api:pin-detail"}
    }
    assert own_writes and not own_writes & dbrouter.REPLICA_ROUTES


def test_without_a_replica_everything_reads_the_primary():
    router = dbrouter.ReplicaRouter()
    assert not dbrouter.replica_configured()
    with dbrouter.replica_reads():
        assert router.db_for_read(None) == "default"
        assert router.db_for_write(None) == "default"
    assert router.allow_migrate("default", "walks") and not router.allow_migrate("replica", "walks")


def test_replica_settings_keep_the_primary_s_and_read_only_sessions():
    primary = {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": "trygg",
        "HOST": "primary.example",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5},
    }
    replica = replica_database_settings("postgres://reader:pw@standby.example:5433/trygg", primary)
    assert (replica["HOST"], replica["PORT"], replica["USER"]) == (
        "standby.example",
        5433,
        "reader",
    )
    assert replica["ENGINE"] == primary["ENGINE"] and replica["CONN_MAX_AGE"] == 60
    assert replica["OPTIONS"] == {"connect_timeout": 5, "options": READ_ONLY_OPTIONS}
    assert replica["TEST"] == {"MIRROR": "default"}
    assert primary["OPTIONS"] == {"connect_timeout": 5}  # the primary's own left alone


def cli(*args: str, **env: str):
    return trygg(*args, env={**os.environ, **env}, timeout=60)


def test_replica_command_usage_errors_are_one_line(tmp_path):
    wrong = cli("db", "replica", "promote")
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == "usage: trygg db replica {start|stop|status|remove}"
    external = cli("db", "replica", "start", DATABASE_URL="postgis://u@db.example/trygg")
    assert external.returncode == 2 and "DATABASE_URL is set" in external.stderr
    # A standby needs its primary running: said in one line, nothing created.
    alone = cli("db", "replica", "start", TRYGG_VAR_DIR=str(tmp_path / "var"))
    assert alone.returncode == 2
    assert alone.stderr.strip().splitlines() == [
        "trygg: the primary is not running; start it first: trygg db start"
    ]
    assert not (tmp_path / "var" / "replica").exists()

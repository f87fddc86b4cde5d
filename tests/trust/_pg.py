"""Helpers of the trust tests: scratch databases on the test server and table fingerprints."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from gis.backup import connection_params, user_relations


def params(dbname: str) -> dict[str, str]:
    """Connection parameters of database `dbname` on the test session's server."""
    from django.conf import settings

    return {**connection_params(settings.DATABASES["default"]), "dbname": dbname}


@contextmanager
def scratch_database(name: str) -> Iterator[dict[str, str]]:
    """A new, empty database (dropped afterwards); yields its connection parameters."""
    with psycopg.connect(**params("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield params(name)
    finally:
        with psycopg.connect(**params("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def fingerprints(dbparams: dict[str, str]) -> dict[str, tuple]:
    """Every table's row count and ordered hash of its rows, and every sequence's position."""
    found = {}
    with psycopg.connect(**dbparams) as conn:
        for schema, name, kind in user_relations(conn):
            table = sql.Identifier(schema, name)
            if kind in {"r", "p"}:
                query = sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, ',' "
                    "ORDER BY t::text COLLATE \"C\"), '')) FROM {} t"
                ).format(table)
            elif kind == "S":
                query = sql.SQL("SELECT last_value, is_called FROM {}").format(table)
            else:
                continue
            found[f"{schema}.{name}"] = tuple(conn.execute(query).fetchone())
    return found


def file_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under `root`, keyed by relative path."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }

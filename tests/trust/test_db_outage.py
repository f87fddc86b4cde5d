"""The database dies (SIGKILL of the postmaster) under a running server, and comes back.

A private cluster of its own (never the session's), a Trygg server process on it, writes through
the admin; then the postmaster is killed: every request must get a 503 quickly (never a 500 or a
hang), `trygg db start` brings the database back, the server recovers on its own and every
acknowledged write is there.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests

from gis.drills.reaper import reap_postgres, subreaper
from gis.embedded_db import EmbeddedCluster
from gis.loopback import free_port, wait_until_healthy
from tests._cli import trygg

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "outage-test-password-1"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="needs the embedded PostgreSQL"
    ),
]


def postmaster_pid(cluster: EmbeddedCluster) -> int:
    return int((cluster.data_dir / "postmaster.pid").read_text().splitlines()[0])


@pytest.fixture(scope="module")
def private_server(tmp_path_factory):
    """A private cluster, migrated, with an admin user and a server process on it."""
    root = tmp_path_factory.mktemp("outage") / "var"
    cluster = EmbeddedCluster(root)
    with subreaper():
        cluster.start()
        yield from _serve(cluster, root)


def _serve(cluster: EmbeddedCluster, root: Path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"TRYGG_DB_NAME", "DATABASE_URL"}},
        "TRYGG_VAR_DIR": str(root),
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
    }
    server = log = None
    try:
        setup = (
            "from django.core.management import call_command\n"
            "from django.contrib.auth.models import User\n"
            "call_command('migrate', interactive=False, verbosity=0)\n"
            f"User.objects.create_superuser('boss', 'boss@example.se', {PASSWORD!r})\n"
        )
        done = trygg("shell", "-c", setup, env=env, timeout=180)
        assert done.returncode == 0, done.stderr
        port = free_port()
        log_path = root / "server.log"
        log = open(log_path, "w")  # noqa: SIM115 - closed in the finally below
        server = subprocess.Popen(
            [sys.executable, "-m", "gis.cli", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, server, log=log_path)
        yield cluster, env, url, log_path
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if log is not None:
            log.close()
        cluster.stop()


class Admin:
    """A logged-in admin session that adds categories; a write is acknowledged by the redirect
    to the change list that follows a successful save."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.get(f"{url}/admin/login/", timeout=5)
        response = self.session.post(
            f"{url}/admin/login/?next=/admin/",
            data={
                "username": "boss",
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.session.cookies["csrftoken"],
                "next": "/admin/",
            },
            allow_redirects=False,
            timeout=5,
        )
        assert response.status_code == 302, response.text[:500]

    def add_category(self, code: str) -> requests.Response:
        return self.session.post(
            f"{self.url}/admin/walks/category/add/",
            data={
                "code": code,
                "name_sv": f"Test {code}",
                "name_en": f"Test {code}",
                "owner": "street",
                "duplicate_radius_m": "40",
                "colour": "#123456",
                "order": "50",
                "csrfmiddlewaretoken": self.session.cookies["csrftoken"],
            },
            headers={"Referer": f"{self.url}/admin/walks/category/add/"},
            allow_redirects=False,
            timeout=10,
        )


def _acknowledged(response: requests.Response) -> bool:
    return response.status_code == 302 and response.headers["Location"].endswith(
        "/admin/walks/category/"
    )


def _timed_get(url: str, **kwargs) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.get(url, timeout=10, **kwargs)
    return response, time.monotonic() - started


def test_kill_restart_recover(private_server):
    cluster, env, url, log_path = private_server
    admin = Admin(url)
    acknowledged, refused = [], []
    for i in range(8):
        code = f"before-{i}"
        assert _acknowledged(admin.add_category(code))
        acknowledged.append(code)

    pid = postmaster_pid(cluster)
    shared = EmbeddedCluster()
    if shared.is_initialised() and (shared.data_dir / "postmaster.pid").exists():
        assert pid != postmaster_pid(shared)  # never the session's cluster
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    reap_postgres(wait_for=pid)  # as init would

    # Within a few seconds every request is a 503 with the message; none is a 500 or hangs.
    while True:
        response, seconds = _timed_get(url + "/")
        assert response.status_code in {200, 503} and seconds < 5
        if response.status_code == 503:
            break
        assert time.monotonic() - killed_at < 10, "the server still answers 200 after the kill"
        time.sleep(0.1)
    for path, language in [("/", "sv"), ("/en/", "en"), ("/admin/walks/category/", "sv")]:
        response, seconds = _timed_get(
            url + path, cookies=admin.session.cookies, headers={"Accept-Language": language}
        )
        assert response.status_code == 503 and seconds < 5, (path, response.status_code)
        assert int(response.headers["Retry-After"]) > 0
        expected = "Databasen går inte att nå" if language == "sv" else "cannot be reached"
        assert expected in response.text
    health, seconds = _timed_get(url + "/healthz")
    assert health.status_code == 503 and health.json()["status"] == "error" and seconds < 5
    for i in range(3):
        response = admin.add_category(f"during-{i}")
        assert response.status_code == 503
        refused.append(f"during-{i}")

    started = trygg("db", "start", env=env, timeout=180)
    restart_deadline = time.monotonic() + 30
    while started.returncode != 0 and time.monotonic() < restart_deadline:
        time.sleep(0.5)  # the killed postmaster's children may still hold its shared memory
        started = trygg("db", "start", env=env, timeout=180)
    assert started.returncode == 0 and started.stdout.startswith("started"), started
    restarted_at = time.monotonic()

    # The server recovers on its own (no restart of the server process).
    while requests.get(url + "/healthz", timeout=10).status_code != 200:
        assert time.monotonic() - restarted_at < 15, "the server did not recover on its own"
        time.sleep(0.1)
    recovered_in = time.monotonic() - restarted_at
    assert requests.get(url + "/", timeout=10).status_code == 200
    for i in range(3):
        code = f"after-{i}"
        assert _acknowledged(admin.add_category(code))
        acknowledged.append(code)

    settings = cluster.django_settings()
    with psycopg.connect(host=settings["HOST"], user=settings["USER"], dbname="trygg") as conn:
        stored = {row[0] for row in conn.execute("SELECT code FROM walks_category")}
    assert set(acknowledged) <= stored
    assert not set(refused) & stored
    assert recovered_in < 15

    log = log_path.read_text()
    assert len(re.findall(r"database unavailable, answering 503", log)) == 1, log[-3000:]
    assert len(re.findall(r"database is back after", log)) == 1, log[-3000:]
    assert "Internal Server Error" not in log and '" 500 ' not in log

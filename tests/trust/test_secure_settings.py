"""Secure defaults outside the demo: `trygg check --deploy` and the headers of production."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]


def production_env(database: str, secret_key: str | None = None) -> dict[str, str]:
    """Production settings on the test database, reached over the embedded cluster's socket."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    host = quote(db["HOST"], safe="")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRYGG_", "DJANGO_"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "gis.settings.production",
        "DATABASE_URL": f"postgis://{db['USER']}@{host}/{database}",
        "TRYGG_SECRET_KEY": secret_key or secrets.token_urlsafe(64),
        "TRYGG_ALLOWED_HOSTS": "trygg.example.se",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def check_deploy(env: dict[str, str], *tags: str) -> subprocess.CompletedProcess:
    options = [option for tag in tags for option in ("--tag", tag)]
    options += ["--fail-level", "WARNING", "--database", "default"]
    return run(["-m", "gis.cli", "check", "--deploy", *options], env)


def _issues(result: subprocess.CompletedProcess) -> list[str]:
    return re.findall(r"^\?: \(([\w.]+)\)", result.stdout + result.stderr, flags=re.M)


def test_check_deploy_security_is_clean(test_database_name):
    # Django's own deployment checks (tag "security") and the database connection.
    result = check_deploy(production_env(test_database_name), "security", "database")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_is_clean(test_database_name):
    # Every check, the OpenAPI schema's (drf-spectacular generates it) included.
    result = check_deploy(production_env(test_database_name))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_catches_a_weak_secret_key(test_database_name):
    result = check_deploy(production_env(test_database_name, secret_key="change-me"), "security")
    assert result.returncode != 0
    assert "security.W009" in _issues(result)


def test_production_settings_require_a_secret_key(test_database_name):
    env = production_env(test_database_name)
    env["TRYGG_SECRET_KEY"] = ""
    result = run(["-m", "gis.cli", "check"], env)
    assert result.returncode != 0
    assert "TRYGG_SECRET_KEY must be set in production" in result.stderr


PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="trygg.example.se")
secure = client.get("/healthz", secure=True)
plain_health = client.get("/healthz")
plain_home = client.get("/")
print(json.dumps({
    "debug": settings.DEBUG,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "secure_status": secure.status_code,
    "secure_headers": dict(secure.headers),
    "plain_health_status": plain_health.status_code,
    "plain_health_headers": dict(plain_health.headers),
    "plain_home_status": plain_home.status_code,
    "plain_home_location": plain_home.get("Location"),
}))
"""


def test_production_headers(test_database_name):
    result = run(["-c", PROBE], production_env(test_database_name))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["debug"] is False
    assert found["session_secure"] and found["csrf_secure"] and found["session_httponly"]

    headers = found["secure_headers"]
    assert found["secure_status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Content-Security-Policy-Report-Only" not in headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"

    # Plain HTTP: pages redirect to HTTPS, the health check answers (no HSTS over HTTP).
    assert found["plain_home_status"] == 301
    assert found["plain_home_location"] == "https://trygg.example.se/"
    assert found["plain_health_status"] == 200
    assert "Strict-Transport-Security" not in found["plain_health_headers"]

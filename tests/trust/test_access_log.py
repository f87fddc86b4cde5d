"""The access log keeps no secrets (gis.access_log): every URL pattern that carries a token or a
join code, in both languages, is logged redacted in the request line, the path, the query string
and the Referer; the production image runs gunicorn with that logger."""

from __future__ import annotations

import datetime
import itertools
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.regex_helper import normalize
from gunicorn.config import Config

from gis import access_log, gunicorn_conf
from tests.trust.test_rate_limits import SAMPLE_VALUES, _patterns

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Q7SECRETK2X9"  # fits a join code ([A-Za-z0-9]) and a token


def _fill(regex: str) -> str | None:
    """A path matching `regex`, its secret parameters given SECRET, the others a sample."""
    for template, params in normalize(regex):
        choices = [
            (SECRET,) if p in access_log.SECRET_PARAMETERS else (*SAMPLE_VALUES, "geojson", "csv")
            for p in params
        ]
        for values in itertools.product(*choices):
            path = template % dict(zip(params, values, strict=True))
            if re.fullmatch(regex, path):
                return "/" + path
    return None


def secret_routes() -> dict[str, str]:
    """Example path -> view name of every URL pattern with a token or code (both languages)."""
    found = {}
    for language in ("sv", "en"):
        with translation.override(language):
            from django.urls import get_resolver

            for regex, name in _patterns(get_resolver()):
                if set(re.findall(r"\?P<(\w+)>", regex)) & access_log.SECRET_PARAMETERS:
                    path = _fill(regex)
                    assert path is not None, regex
                    found[path] = name
    return found


def test_every_route_with_a_token_or_code_is_redacted():
    routes = secret_routes()
    names = {re.sub(r"-(json|xml)$", "", name) for name in routes.values()}
    assert {
        "walks:track",
        "walks:app",
        "walks:manage",
        "walks:export",
        "walks_api:pin-track",
        "walks_api:open311-token",
        "walks_api:walk-detail",
        "walks_api:finding-photos",
    } <= names
    leaks = []
    for path, name in routes.items():
        for url in (path, path.rstrip("/"), f"https://trygg.example.se{path}?limit=5"):
            redacted = access_log.redact_url(url)
            if SECRET in redacted or access_log.REDACTED not in redacted:
                leaks.append((name, url, redacted))
    assert not leaks, leaks
    # What is not secret stays readable.
    assert access_log.redact_url("/rapportera/folj/abc123/") == "/rapportera/folj/[redacted]/"
    assert access_log.redact_url("/api/walks/ABCD/findings/?limit=5") == (
        "/api/walks/[redacted]/findings/?limit=5"
    )
    assert access_log.redact_url("/api/pins/12/") == "/api/pins/12/"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        (f"/media/pins/2026/01/a.jpg?token={SECRET}&w=1", "/media/pins/2026/01/a.jpg?token="),
        (f"/api/pins/?device_token={SECRET}", "/api/pins/?device_token="),
        (f"/open311/v2/requests.json?api_key={SECRET}", "/open311/v2/requests.json"),
        (f"/en/report/track/{SECRET}", "/en/report/track/"),
        (f"/rapportera/folj/%51{SECRET[1:]}/", "/rapportera/folj/"),
    ],
)
def test_query_strings_and_odd_paths_are_redacted(url, kept):
    redacted = access_log.redact_url(url)
    assert SECRET not in redacted and SECRET[1:] not in redacted and redacted.startswith(kept)


def _atoms(environ: dict) -> dict:
    logger = access_log.RedactingLogger(Config())
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[(k, v) for k, v in environ.pop("headers", [])])
    return logger.atoms(response, request, environ, datetime.timedelta(seconds=1))


def test_the_gunicorn_logger_redacts_every_url_atom():
    atoms = _atoms(
        {
            "REQUEST_METHOD": "GET",
            "RAW_URI": f"/rapportera/folj/{SECRET}/?token={SECRET}",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "PATH_INFO": f"/rapportera/folj/{SECRET}/",
            "QUERY_STRING": f"token={SECRET}",
            "HTTP_REFERER": f"https://trygg.example.se/w/{SECRET}",
            "REMOTE_ADDR": "192.0.2.1",
            "headers": [
                ("REFERER", f"https://trygg.example.se/en/report/track/{SECRET}/"),
                ("X-TRYGG-DEVICE", SECRET),
                ("USER-AGENT", "test"),
            ],
        }
    )
    line = Config().access_log_format % atoms
    assert SECRET not in line and SECRET not in repr(atoms)
    assert atoms["r"] == "GET /rapportera/folj/[redacted]/?token=%5Bredacted%5D HTTP/1.1" or (
        atoms["r"] == "GET /rapportera/folj/[redacted]/?token=[redacted] HTTP/1.1"
    )
    assert atoms["f"] == "https://trygg.example.se/w/[redacted]"
    assert atoms["{user-agent}i"] == "test"


def test_the_production_image_uses_the_redacting_logger():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    command = re.search(r"^CMD (.*)$", dockerfile, re.M).group(1)
    assert "-c python:gis.gunicorn_conf" in command and "--access-logfile" not in command
    config = Config()
    for name in ("bind", "workers", "timeout", "accesslog", "logger_class"):
        config.set(name, getattr(gunicorn_conf, name))
    assert config.logger_class is access_log.RedactingLogger
    assert config.accesslog == "-"


def test_djangos_own_log_records_are_redacted_on_the_console():
    import logging

    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["filters"] == ["redact_urls"]
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/w/{SECRET}",), None
    )
    assert access_log.RedactUrlsFilter().filter(record)
    assert record.getMessage() == "Not Found: /w/[redacted]"
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
    assert any(isinstance(f, access_log.RedactUrlsFilter) for f in handler.filters)

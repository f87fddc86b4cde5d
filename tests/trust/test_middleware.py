"""The project middleware in the real middleware chain: 503 for database outages, and the CSP."""

from __future__ import annotations

import json
import logging
from html.parser import HTMLParser

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from gis import middleware
from gis.middleware import build_policy, is_outage


def _down(request):
    raise OperationalError('connection to server on socket "/x/.s.PGSQL.5432" failed')


def _closed(request):
    raise InterfaceError("connection already closed")


def _deadlock(request):
    try:
        raise psycopg.errors.DeadlockDetected("deadlock detected")
    except psycopg.Error as error:
        raise OperationalError("deadlock detected") from error


def _ok(request):
    return HttpResponse(f"users {User.objects.count()}")


class FailOnTheWayOut:
    """Stands for SessionMiddleware saving a session after the view, with the database gone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.endswith("/late"):
            raise OperationalError("server closed the connection unexpectedly")
        return response


urlpatterns = [
    path("page/down", _down),
    path("page/closed", _closed),
    path("page/deadlock", _deadlock),
    path("page/ok", _ok),
    path("page/late", _ok),
    path("api/v1/down", _down),
    path("open311/v2/down", _down),
]


@pytest.fixture(autouse=True)
def _no_outage_yet():
    middleware.outage.since = None
    yield
    middleware.outage.since = None


@pytest.fixture
def outage_urls(settings):
    settings.ROOT_URLCONF = __name__
    settings.TRYGG_DB_RETRY_AFTER = 7


def _messages(caplog, name: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == name]


@pytest.mark.parametrize("path", ["/page/down", "/page/closed"])
def test_page_gets_503_html_with_retry_after(client, outage_urls, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "7"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "Databasen går inte att nå just nu" in body and "<script" not in body
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert "The database cannot be reached right now" in english.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/down", "/open311/v2/down"])
def test_api_gets_503_json(client, outage_urls, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    assert response.json() == {
        "detail": "The database cannot be reached right now. Please try again in a moment.",
        "code": "database_unavailable",
        "retry_after": 7,
    }


def test_outage_is_logged_once_and_its_end_once(db, client, outage_urls, caplog):
    caplog.set_level(logging.INFO)
    for _ in range(3):
        assert client.get("/page/down").status_code == 503
    assert client.get("/api/v1/down").status_code == 503
    assert len(_messages(caplog, "trygg.db")) == 1
    assert _messages(caplog, "trygg.db")[0].startswith("database unavailable")
    # Django's request logger does not add a line (or a traceback) per failed request.
    assert _messages(caplog, "django.request") == []
    assert client.get("/page/ok").status_code == 200
    assert client.get("/page/ok").status_code == 200
    back = _messages(caplog, "trygg.db")[1:]
    assert len(back) == 1 and back[0].startswith("database is back after")
    assert middleware.outage.since is None


def test_error_raised_after_the_view_is_503_too(db, outage_urls, settings, caplog):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.FailOnTheWayOut"]
    client = Client(raise_request_exception=False)
    response = client.get("/page/late", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 503 and response["Retry-After"] == "7"
    assert _messages(caplog, "django.request") == []
    assert len(_messages(caplog, "trygg.db")) == 1


def test_deadlock_is_503_but_not_an_outage(client, outage_urls, caplog):
    response = client.get("/page/deadlock")
    assert response.status_code == 503
    assert middleware.outage.since is None
    records = [r for r in caplog.records if r.name == "trygg.db"]
    assert len(records) == 1 and records[0].exc_info is not None  # logged as the error it is


def test_is_outage():
    assert is_outage(OperationalError("could not connect"))
    assert is_outage(InterfaceError("connection already closed"))
    try:
        raise psycopg.errors.AdminShutdown("terminating connection")
    except psycopg.Error as cause:
        shutdown = OperationalError("terminating")
        shutdown.__cause__ = cause
    assert is_outage(shutdown)
    try:
        raise psycopg.errors.QueryCanceled("statement timeout")
    except psycopg.Error as cause:
        timeout = OperationalError("timeout")
        timeout.__cause__ = cause
    assert not is_outage(timeout)


# --- Content-Security-Policy ---------------------------------------------------------------------
class _InlineFinder(HTMLParser):
    """Inline scripts, event-handler attributes and style attributes in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        data_block = attributes.get("type") in {"application/json", "application/ld+json"}
        if tag == "script" and not attributes.get("src") and not data_block:
            self.found.append("inline <script>")
        self.found += [f"{tag} {name}=" for name in attributes if name.startswith("on")]
        self.found += [f"{tag} style=" for name in attributes if name == "style"]


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_report_only_policy_in_the_test_settings(demo, client, settings):
    assert settings.TRYGG_CSP_ENFORCE is False
    response = client.get("/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    policy = _directives(response["Content-Security-Policy-Report-Only"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["report-uri"] == ["/csp-report"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_enforced_policy_except_on_third_party_pages(db, client, settings):
    settings.TRYGG_CSP_ENFORCE = True
    home = client.get("/")
    assert _directives(home["Content-Security-Policy"])["script-src"] == ["'self'"]
    admin = client.get("/admin/login/")
    assert "Content-Security-Policy" not in admin
    assert "Content-Security-Policy-Report-Only" in admin


@override_settings(ROOT_URLCONF=__name__)
def test_the_503_page_carries_the_policy(client):
    response = client.get("/page/down")
    assert response.status_code == 503
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


def test_basemap_server_is_allowed_for_images(db, client, settings):
    settings.TRYGG_BASEMAP_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    policy = _directives(client.get("/")["Content-Security-Policy-Report-Only"])
    assert "https://*.tile.example.org" in policy["img-src"]
    assert "https://*.tile.example.org" in policy["connect-src"]
    assert "https://*.tile.example.org" not in policy["script-src"]


def test_build_policy_keeps_directive_order():
    policy = build_policy({"default-src": ["'self'"], "img-src": ["'self'"]}, ["https://t.x"], "")
    assert policy == "default-src 'self'; img-src 'self' https://t.x"


def test_violation_reports_are_logged_once(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "http://testserver/walks/",
            "effective-directive": "script-src-elem",
            "blocked-uri": "inline",
            "source-file": "http://testserver/walks/",
            "line-number": 12,
        }
    }
    for _ in range(2):
        response = client.post(
            "/csp-report", json.dumps(report), content_type="application/csp-report"
        )
        assert response.status_code == 204
    logged = _messages(caplog, "trygg.csp")
    assert logged == [
        "CSP violation: script-src-elem blocked inline on http://testserver/walks/ "
        "(http://testserver/walks/:12)"
    ]
    assert client.post("/csp-report", "not json", content_type="text/plain").status_code == 204


@pytest.mark.parametrize("path", ["/", "/en/", "/admin/login/"])
def test_spine_pages_have_no_inline_scripts(demo, client, path):
    response = client.get(path)
    assert response.status_code == 200
    finder = _InlineFinder()
    finder.feed(response.content.decode())
    assert finder.found == []

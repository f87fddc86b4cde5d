"""The project middleware in the real middleware chain: 503 for database outages (the CSP is
tested in test_csp.py)."""

from __future__ import annotations

import logging

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from gis import middleware
from gis.middleware import is_outage


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


@override_settings(ROOT_URLCONF=__name__)
def test_the_503_page_carries_the_policy(client):
    response = client.get("/page/down")
    assert response.status_code == 503
    assert "script-src 'self'" in response["Content-Security-Policy"]

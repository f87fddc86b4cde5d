"""Schemathesis fuzzes every operation of the OpenAPI schema, in-process on the demo database,
anonymously and as a logged-in coordinator: no answer may be a 5xx, and every answer must be
documented (status code, content type, headers and body schema).

The app is called through WSGI in the test's own thread and database connection, so each
request runs in a savepoint of the test's transaction that is rolled back afterwards: every
example sees the demo as it was loaded (plus an open walk, see _fuzz_targets), and nothing is
committed. Generated path parameters, queries, headers and bodies are tried as generated and
with real ids, codes and places put in, so that requests also get past the lookups. Rate limits
are lifted for the fuzzed requests (tests/trust/test_rate_limits.py tests them) and lists
answer small pages. Deterministic: derandomized generation, a bounded number of examples, no
example database.

At the end of the session one line per visitor gives the requests made and the answers by
status (with `-v`, per operation too).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.trust._fuzz_targets import Targets, make_targets

# Hypothesis caches what it learns from the code (constants, Unicode tables) in its home
# directory, `.hypothesis` in the working directory by default: keep it out of the tree. The
# tests below are built when this module is imported, so this must come first.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "trygg-hypothesis")

#: Generated examples per operation and mode; the coverage phase adds its own boundary cases.
MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# drf-spectacular's view serving the schema documents only its 200, and DRF answers an unknown
# `format` there with 404 in the schema's own media type: that operation is not Trygg's code, so
# it is checked for 5xx and for the answers it documents, not for undocumented status codes.
SCHEMA_PATH = "/api/schema/"
SCHEMA_VIEW_CHECKS = [check for check in CHECKS if check is not status_code_conformance]
SMALL_PAGE = 20
CSRF_TOKEN = "fuzzcsrftoken0123456789abcdefghi"  # 32 characters: Django's unmasked secret


@dataclass
class Visitor:
    """Who calls the API: an anonymous visitor, or a coordinator with a session."""

    name: str
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def answers(request) -> dict[tuple[str, str], Counter]:
    """Status codes answered, by visitor and operation; summed up when the session ends."""
    tally: dict[tuple[str, str], Counter] = {}
    yield tally
    lines = []
    for name in sorted({who for who, _operation in tally}):
        statuses = sum((c for (who, _op), c in tally.items() if who == name), Counter())
        operations = sum(1 for who, _operation in tally if who == name)
        server_errors = sum(n for status, n in statuses.items() if status >= 500)
        lines.append(
            f"API fuzz as {name}: {statuses.total()} requests to {operations} operations, "
            f"{server_errors} answered 5xx; by status {dict(sorted(statuses.items()))}"
        )
    if request.config.getoption("verbose") > 0:
        lines += [f"  {who} {op}: {dict(c)}" for (who, op), c in sorted(tally.items())]
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and lines:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)


@pytest.fixture
def _in_test_transaction():
    """Django closes the connection after each request it handles (`close_old_connections`),
    which would end the test's transaction: keep it open while the fuzzed app runs, as Django's
    test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


#: What the fuzzed requests aim at during the current test (hooks cannot take fixtures).
_aim: dict[str, Targets] = {}


@pytest.fixture
def targets(demo, settings, tmp_path) -> Targets:
    """An open walk with a finding, photos and other real ids of the demo (rolled back)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _aim["now"] = make_targets(demo)
    yield _aim["now"]
    _aim.clear()


@pytest.fixture
def _small_pages(monkeypatch, settings):
    """Lists answer pages of 20 unless a request asks for more: the answers keep their shape,
    and the fuzz does not spend its time serializing the 500 features of a default page."""
    from gis.core.api.pagination import GeoJsonLimitOffsetPagination
    from walks import open311

    monkeypatch.setattr(GeoJsonLimitOffsetPagination, "default_limit", SMALL_PAGE)
    monkeypatch.setattr(open311, "MAX_REQUESTS", SMALL_PAGE)
    settings.TRYGG_STREETS_MAX = SMALL_PAGE


@pytest.fixture(params=["anonymous", "coordinator"])
def visitor(
    request, demo, client, settings, targets, _in_test_transaction, _small_pages
) -> Visitor:
    """An anonymous visitor, or a coordinator of the demo municipality with a session."""
    from django.contrib.auth.models import Group, User
    from django.core.cache import cache

    from gis.core.conf import RATE_DEFAULTS

    settings.TRYGG_RATE_LIMITS = dict.fromkeys(RATE_DEFAULTS)
    cache.clear()
    who = Visitor(request.param)
    if request.param == "coordinator":
        user = User.objects.create_user("fuzz-coordinator")
        user.groups.add(Group.objects.get(name="coordinator"))
        demo.staff.add(user)
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        who.cookies = {settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: CSRF_TOKEN}
        who.headers = {"X-CSRFToken": CSRF_TOKEN}
    return who


def _served(app):
    """The app as a WSGI server runs it: each answer read in full and closed (which closes the
    file of a FileResponse)."""

    def wsgi(environ, start_response):
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            answer.close()

    return wsgi


# The schema comes from the app itself, through WSGI, when the tests are collected. Every
# operation is selected explicitly, the one serving the schema too (left out by default).
_app = _served(WSGIHandler())
schema = schemathesis.openapi.from_wsgi(f"{SCHEMA_PATH}?format=json", _app).include(path_regex="^/")
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")


def _with_real(generated, changes) -> st.SearchStrategy:
    """The generated value, or the same with real ids and places put in (`changes` takes the
    targets; there are none while the tests are collected)."""
    options = changes(_aim["now"]) if "now" in _aim else []
    return st.sampled_from([generated, *({**generated, **c} for c in options)])


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _with_real(path_parameters, lambda aim: aim.path_changes(context.operation.path))


@schema.hook
def flatmap_query(context, query):
    return _with_real(query, lambda aim: aim.query_changes(context.operation.path, query or {}))


@schema.hook
def flatmap_headers(context, headers):
    return _with_real(
        headers or {}, lambda aim: aim.header_changes(headers or {}, context.operation.path)
    )


@schema.hook
def flatmap_body(context, body):
    return _with_real(body, lambda aim: aim.body_changes(body))


def _aimed(case):
    """Coverage cases are made before the tests run, with made-up ids and codes: a copy of the
    case aimed at the real objects, except for the parameter the case is about."""
    meta = case.meta
    if "now" not in _aim or meta is None or meta.phase.name != TestPhase.COVERAGE:
        return case
    aim, kept = _aim["now"], meta.phase.data.parameter

    def put(value, changes: list[dict]):
        change = {k: v for k, v in (changes[0] if changes else {}).items() if k != kept}
        return {**value, **change} if change else value

    aimed = case.derive()
    aimed.path_parameters = put(case.path_parameters, aim.path_changes(case.path))
    aimed.query = put(case.query or {}, aim.query_changes(case.path, case.query or {}))
    aimed.headers = put(case.headers or {}, aim.header_changes(case.headers or {}, case.path))
    if isinstance(case.body, dict):
        aimed.body = put(case.body, aim.body_changes(case.body))
    return aimed


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_documented(case, visitor, answers):
    """One operation fuzzed for one visitor; each request in a savepoint rolled back."""
    case = _aimed(case)
    with transaction.atomic():
        response = case.call(headers=visitor.headers, cookies=visitor.cookies)
        transaction.set_rollback(True)
    answers.setdefault((visitor.name, case.operation.label), Counter())[response.status_code] += 1
    checks = SCHEMA_VIEW_CHECKS if case.operation.path == SCHEMA_PATH else CHECKS
    case.validate_response(response, checks=checks, headers=visitor.headers)

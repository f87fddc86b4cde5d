"""Shared fixtures: the embedded PostGIS, one demo database per session, a live server process
and Debian's Chromium driven by Playwright.

The embedded cluster starts lazily: only when a selected test needs the database (through
pytest-django's database setup or the live server), so a run of pure tests never waits for
PostgreSQL. `--quick` deselects every test that needs a database, a server or a browser.

The demo municipality is loaded once into the test database; every test runs in a transaction
that is rolled back. Browser tests talk to a real server process on the same test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gis.embedded_db import EmbeddedCluster
from gis.loopback import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Fixtures that reach the database, a server process or the browser: a test whose fixtures
# include one of them is not in the quick tier.
SLOW_FIXTURES = frozenset(
    {
        "embedded_cluster",
        "django_db_setup",
        "django_db_blocker",
        "_django_db_helper",
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_user_model",
        "admin_user",
        "admin_client",
        "live_server",
        "test_database_name",
        "live_url",
        "demo",
        "browser",
    }
)
# Markers of tests that need a database or the browser whatever their fixtures say. A test that
# reaches the session's PostgreSQL without pytest-django (a CLI subprocess, a raw connection)
# requests `embedded_cluster`; one that runs a cluster of its own is marked `postgres`.
SLOW_MARKERS = ("django_db", "browser", "notebook", "postgres")
# pytest-django's autouse fixture for Django's unittest classes asks for `django_db_blocker` in
# every test's closure; such classes are judged by their `databases` instead.
_UNITTEST_SETUP = "_django_setup_unittest"

_started_cluster: EmbeddedCluster | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        default=False,
        help="run only the tests that need no database, server or browser (deselects the rest)",
    )


def needs_database(item: pytest.Item) -> bool:
    """Whether `item` needs the database, a server or the browser (by markers and fixtures)."""
    if any(item.get_closest_marker(name) for name in SLOW_MARKERS):
        return True
    cls = getattr(item, "cls", None)
    if cls is not None and getattr(cls, "databases", None):
        return True
    return bool(fixture_closure(item) & SLOW_FIXTURES)


def fixture_closure(item: pytest.Item) -> set[str]:
    """Every fixture `item` requests, directly or through other fixtures (all overrides)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return set()
    seen: set[str] = set()
    pending = [name for name in info.initialnames if name != _UNITTEST_SETUP]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for fixturedef in info.name2fixturedefs.get(name, ()):
            pending.extend(arg for arg in fixturedef.argnames if arg not in seen)
    return seen


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With `--quick`, deselect (never skip: in CI a skip fails the run) every slow test."""
    if not config.getoption("quick"):
        return
    kept, deselected = [], []
    for item in items:
        (deselected if needs_database(item) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def embedded_cluster(request: pytest.FixtureRequest) -> EmbeddedCluster | None:
    """The embedded cluster, started on first need (None when DATABASE_URL names the database).

    Stopped when the run ends only if this run started it (see `pytest_unconfigure`); test
    databases orphaned by killed runs are dropped here, once the cluster is in use.
    """
    global _started_cluster
    if request.config.getoption("quick"):
        pytest.fail("--quick selected a test that needs the database (see SLOW_FIXTURES)")
    if os.environ.get("DATABASE_URL"):
        return None
    cluster = EmbeddedCluster()
    if cluster.start():
        _started_cluster = cluster
    _drop_orphaned_test_databases(cluster)
    return cluster


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, embedded_cluster) -> None:
    """pytest-django's last step before it creates the test database: the cluster runs by then."""


def _drop_orphaned_test_databases(cluster: EmbeddedCluster) -> None:
    """Drop test databases left behind by killed runs (their process is gone)."""
    import psycopg

    settings = cluster.django_settings()
    with psycopg.connect(
        host=settings["HOST"], user=settings["USER"], dbname="postgres", autocommit=True
    ) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'test_trygg_%'"
            )
        ]
        for name in names:
            pid = name.rsplit("_", 1)[-1]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the embedded cluster if this run started it (after every session fixture ended)."""
    if _started_cluster is not None:
        _started_cluster.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: nothing may silently not run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"CI: {skipped} test(s) skipped; skips count as failures here")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, migrated, with the demo municipality loaded once.

    pytest-django creates it only when a selected test uses `db`; browser tests reach the
    database through the live server, so for a run of them alone (`-m browser`) it is created
    here, never leaving them on the real database.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from gis.demo.load import load_demo

    created = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] != connection.settings_dict["TEST"]["NAME"]:
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        load_demo()
    yield
    with django_db_blocker.unblock():
        # ORM calls made under Playwright's event loop opened connections in another context,
        # which Django cannot close from here: end them, so the test database can be dropped.
        with connection._nodb_cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [connection.settings_dict["TEST"]["NAME"]],
            )
        if created is not None:
            teardown_databases(created, verbosity=0)


@pytest.fixture(autouse=True)
def _caches_start_empty():
    """Rate-limit counters (Django's cache) and cached tiles start empty in every test, so that
    a long run never reaches a limit with the requests of earlier tests, and no test is answered
    with a tile another made."""
    from django.conf import settings

    if settings.configured:
        from django.core.cache import caches

        for cache in caches.all():
            cache.clear()


@pytest.fixture
def demo(db):
    """The demo municipality."""
    from gis.demo.load import demo_municipality

    return demo_municipality()


@pytest.fixture(scope="session")
def test_database_name(django_db_setup) -> str:
    from django.db import connection

    return connection.settings_dict["NAME"]


@pytest.fixture(scope="session")
def live_url(embedded_cluster, test_database_name) -> Iterator[str]:
    """A real Trygg server process on the test database; yields its base URL."""
    from django.conf import settings

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
        "TRYGG_DB_NAME": test_database_name,
        "TRYGG_DEFAULT_SRID": str(settings.TRYGG_SRID),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "live-server.log", "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gis.cli",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--insecure",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server, log=ARTIFACTS / "live-server.log")
    except RuntimeError:
        log.close()
        raise
    yield url
    server.terminate()
    server.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, through Playwright (never Playwright's own download).

    Playwright's sync API keeps an event loop running in the test thread for the rest of the
    session, so Django would take every later ORM call for an async context. Nothing else runs
    in that loop, so the ORM may be used (Django's documented switch).
    """
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def phone_page(browser, width: int, height: int, lat: float, lon: float, **options) -> Iterator:
    """A watched page (:func:`_watched_page`) of a touch phone `width` × `height` px whose
    position is allowed and lies at (`lat`, `lon`), WGS 84 degrees, 8 m accurate."""
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=True,
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 8},
        **options,
    )
    yield from _watched_page(context)


@pytest.fixture
def phone(browser):
    """A phone-sized page (390 × 844, touch) with geolocation allowed."""
    yield from phone_page(browser, 390, 844, 60.1699, 24.9384, device_scale_factor=2)


@pytest.fixture
def desktop(browser):
    """A desktop-sized page (1440 × 900)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield from _watched_page(context)


# Reports every Content-Security-Policy violation of a page to the test (init scripts run in
# every document before the page's own scripts).
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => window.tryggCspViolation(
  `${e.disposition} ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
  + ` at ${e.sourceFile || e.documentURI}:${e.lineNumber}`));
"""


class CspWatch:
    """What a browser context saw against the Content-Security-Policy: violations (events and
    console messages) and HTML pages served without the enforced header."""

    def __init__(self, context) -> None:
        self.problems: list[str] = []
        context.expose_function("tryggCspViolation", self._violation)
        context.add_init_script(_CSP_LISTENER)
        context.on("console", self._console)
        context.on("response", self._response)

    def _violation(self, text: str) -> None:
        self.problems.append(f"violation: {text}")

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"console: {message.text}")

    def _response(self, response) -> None:
        headers = response.headers
        html_page = response.request.resource_type == "document" and "text/html" in headers.get(
            "content-type", ""
        )
        if html_page and "content-security-policy" not in headers:
            self.problems.append(f"no enforced policy on {response.url}")

    def take(self, page) -> list[str]:
        """The problems seen so far (after letting events in flight arrive); starts afresh."""
        if not page.is_closed():
            page.evaluate("0")
        problems, self.problems = self.problems, []
        return problems


def _watched_page(context) -> Iterator:
    """A page of `context` whose test fails on any CSP violation or unprotected page."""
    watch = CspWatch(context)
    page = context.new_page()
    try:
        yield page
        problems = watch.take(page)
        assert not problems, "Content-Security-Policy:\n" + "\n".join(problems)
    finally:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path

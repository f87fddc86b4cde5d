"""The Content-Security-Policy: enforced on every page (the admin and the API docs included), no
page carries inline code or styles, and no page of Trygg breaks the policy in a real browser.

The browser tests fail on any violation through the shared fixtures (`tests.conftest.CspWatch`);
the walk through every page below also names the page that broke it.
"""

from __future__ import annotations

import json
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client

from gis.middleware import build_policy
from tests.conftest import CspWatch, screenshot
from tests.dashboard.conftest import make_user

PASSWORD = "csp-test-pass-1"


class _InlineFinder(HTMLParser):
    """Inline scripts and styles, event-handler and style attributes, and code or stylesheets
    from other origins in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        data_block = attributes.get("type") in {"application/json", "application/ld+json"}
        if tag == "script" and not attributes.get("src") and not data_block:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{tag} {name}=" for name in attributes if name.startswith("on")]
        self.found += [f"{tag} style=" for name in attributes if name == "style"]
        url = attributes.get("src") if tag == "script" else attributes.get("href")
        if tag in {"script", "link"} and url and url.startswith(("http:", "https:", "//")):
            self.found.append(f"{tag} from another origin: {url}")


def inline_code(html: str) -> list[str]:
    """What in `html` the policy would block (see `_InlineFinder`)."""
    finder = _InlineFinder()
    finder.feed(html)
    return finder.found


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def _messages(caplog, name: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == name]


# --- the header ----------------------------------------------------------------------------------
def test_enforced_in_the_test_settings(demo, client, settings):
    assert settings.TRYGG_CSP_ENFORCE is True
    response = client.get("/")
    assert response.status_code == 200
    assert "Content-Security-Policy-Report-Only" not in response
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["report-uri"] == ["/csp-report"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


@pytest.mark.parametrize("path", ["/admin/login/", "/en/admin/login/", "/api/docs/"])
def test_enforced_on_the_admin_and_the_api_docs_too(db, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Content-Security-Policy-Report-Only" not in response
    assert _directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_report_only_when_switched_off(db, client, settings):
    settings.TRYGG_CSP_ENFORCE = False
    response = client.get("/")
    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


def test_basemap_server_is_allowed_for_images(db, client, settings):
    settings.TRYGG_BASEMAP_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    policy = _directives(client.get("/")["Content-Security-Policy"])
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


# --- the markup ----------------------------------------------------------------------------------
def test_the_finder_sees_what_the_policy_blocks():
    page = (
        '<script>go()</script><script type="application/json">{}</script><style>p{}</style>'
        '<p style="color: red" onclick="x()"></p><script src="/static/a.js"></script>'
        '<link rel="stylesheet" href="https://cdn.example.org/a.css">'
    )
    assert inline_code(page) == [
        "inline <script>",
        "<style> element",
        "p onclick=",
        "p style=",
        "link from another origin: https://cdn.example.org/a.css",
    ]


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser(f"csp-{uuid.uuid4().hex[:6]}", "", "pw"))
    return client


def _pages(demo) -> tuple[list[str], list[str]]:
    """Every HTML page of Trygg with real records of the demo: (public pages, staff pages)."""
    from gis.fixes.models import Fix
    from layers.models import StreetLamp
    from walks.models import ResidentPin, SafetyWalk

    walk = SafetyWalk.objects.filter(municipality=demo).order_by("pk").first()
    # The walk app answers only an open walk's code (the demo's walks are closed).
    open_walk = SafetyWalk.objects.filter(municipality=demo).exclude(status="closed").first()
    if open_walk is None:
        from tests.walks.conftest import make_walk

        open_walk = make_walk(demo)
    pin = ResidentPin.objects.filter(municipality=demo).order_by("pk").first()
    fix = Fix.objects.filter(municipality=demo).order_by("rank").first()
    lamp = StreetLamp.objects.filter(municipality=demo).order_by("pk").first()
    public = [
        "/",
        "/en/",
        "/login/",
        f"/w/{open_walk.join_code}",
        "/rapportera/",
        "/en/report/",
        f"/rapportera/folj/{pin.tracking_token}/",
        "/admin/login/",
        "/api/docs/",
    ]
    staff = [
        "/dashboard/",
        "/dashboard/lagesbild/",
        "/fixes/",
        f"/fixes/{fix.pk}/",
        "/fixes/print/",
        "/walks/",
        "/walks/new/",
        f"/walks/{walk.join_code}/",
        f"/walks/{walk.join_code}/summary/",
        "/admin/",
        "/admin/layers/streetlamp/",
        f"/admin/layers/streetlamp/{lamp.pk}/change/",
        "/admin/layers/streetlamp/add/",
        "/admin/walks/safetywalk/add/",
        "/admin/walks/walkfinding/add/",
        "/en/admin/layers/district/add/",
    ]
    return public, staff


def _inline_code_of(client, paths: list[str]) -> dict[str, list[str]]:
    """Path -> what the policy would block in that page (pages that must answer 200)."""
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Content-Security-Policy" in response, path
        if problems := inline_code(response.content.decode()):
            found[path] = problems
    return found


def test_no_page_has_inline_code(demo, superuser_client):
    public, staff = _pages(demo)
    assert _inline_code_of(Client(), public) == {}
    assert _inline_code_of(superuser_client, staff) == {}


def test_the_csrf_failure_page_has_no_inline_style(db):
    """Django's own CSRF failure page has a <style> block; Trygg's replaces it."""
    response = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="sv").post(
        "/login/", {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert inline_code(html) == []
    assert "Formuläret kunde inte skickas" in html


def test_the_admin_map_widget_reads_its_options_from_json(demo, superuser_client):
    from layers.models import StreetLamp

    lamp = StreetLamp.objects.filter(municipality=demo).order_by("pk").first()
    html = superuser_client.get(f"/admin/layers/streetlamp/{lamp.pk}/change/").content.decode()
    assert "trygg/map_widget.js" in html and "cdn.jsdelivr.net" not in html
    start = html.index('<script type="application/json">') + len('<script type="application/json">')
    options = json.loads(html[start : html.index("</script>", start)])
    assert options["id"] == "id_geom" and options["geom_name"] == "Point"
    assert options["basemap"] == {"kind": "basemap", "url": "/basemap/{z}/{x}/{y}.pbf"}
    centre = demo.boundary.point_on_surface.transform(4326, clone=True)
    assert (options["default_lon"], options["default_lat"]) == pytest.approx((centre.x, centre.y))


def test_the_admin_map_widget_uses_the_configured_basemap(demo, superuser_client, settings):
    settings.TRYGG_BASEMAP_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    html = superuser_client.get("/admin/layers/streetlamp/add/").content.decode()
    assert '"url": "https://{a-c}.tile.example.org/{z}/{x}/{y}.png"' in html


def test_the_api_docs_start_script_is_served_from_a_url(db, client):
    page = client.get("/api/docs/").content.decode()
    assert inline_code(page) == []
    assert '<script src="/api/docs/?script="></script>' in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    body = script.content.decode()
    assert "SwaggerUIBundle(" in body and '"validatorUrl": null' in body


# --- in the browser ------------------------------------------------------------------------------
@pytest.fixture
def committed_superuser(django_db_setup, django_db_blocker):
    """A superuser the live server sees (committed); deleted afterwards."""
    with django_db_blocker.unblock():
        user = User.objects.create_superuser(f"csp-{uuid.uuid4().hex[:8]}", "", PASSWORD)
        yield user
        user.delete()


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/?next=/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click(".login-box button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_every_page_keeps_the_policy_in_the_browser(
    live_url, browser, committed_superuser, django_db_blocker
):
    from gis.demo.load import demo_municipality

    with django_db_blocker.unblock():
        public, staff = _pages(demo_municipality())
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = CspWatch(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        broken = _visit(page, watch, live_url, public)
        _log_in(page, live_url, committed_superuser.username)
        broken |= _visit(page, watch, live_url, staff)
        assert broken == {}
        assert errors == []
    finally:
        context.close()


def _visit(page, watch: CspWatch, base: str, paths: list[str]) -> dict[str, list[str]]:
    """Open each page, let it finish loading; path -> CSP problems seen on it."""
    broken = {}
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response.ok and response.url == f"{base}{path}", path  # not sent to the login
        page.wait_for_load_state("networkidle")
        if problems := watch.take(page):
            broken[path] = problems
    return broken


@pytest.mark.browser
def test_the_api_docs_render_under_the_policy(live_url, desktop):
    """Swagger UI from the static files with its start script from a URL: the operations show."""
    desktop.goto(f"{live_url}/api/docs/")
    desktop.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "Trygg API" in desktop.inner_text(".swagger-ui .info .title")
    desktop.wait_for_function("() => document.querySelectorAll('.opblock').length > 10")
    desktop.locator(".opblock-summary").first.click()
    desktop.wait_for_selector(".opblock .opblock-body")
    screenshot(desktop, "api-docs")


@pytest.mark.browser
def test_the_watch_sees_violations_and_pages_without_the_policy(live_url, browser):
    """The shared fixtures' watch fails a test for what the policy blocks, and for a page
    served without the enforced header."""
    context = browser.new_context()
    watch = CspWatch(context)
    page = context.new_page()
    try:
        page.goto(f"{live_url}/")
        assert watch.take(page) == []
        page.evaluate(
            """() => {
              document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
              const script = document.createElement("script");
              script.textContent = "window.injected = true";
              document.head.append(script);
            }"""
        )
        problems = watch.take(page)
        assert page.evaluate("window.injected") is None  # blocked, not run
        assert any("violation: enforce style-src-attr blocked inline" in p for p in problems)
        assert any("violation: enforce script-src-elem blocked inline" in p for p in problems)
        assert any(p.startswith("console: ") for p in problems)

        page.route(
            "**/unprotected/",
            lambda route: route.fulfill(status=200, content_type="text/html", body="<p>x</p>"),
        )
        page.goto(f"{live_url}/unprotected/")
        assert watch.take(page) == [f"no enforced policy on {live_url}/unprotected/"]
    finally:
        context.close()


@pytest.mark.browser
def test_admin_map_widget_draws_and_saves_a_point(
    live_url, desktop, committed_superuser, django_db_blocker
):
    """Add a street lamp by clicking the map, then move it, with the policy enforced."""
    from gis.demo.load import demo_municipality
    from layers.models import StreetLamp

    with django_db_blocker.unblock():
        municipality = demo_municipality()
    page = desktop
    _log_in(page, live_url, committed_superuser.username)
    tiles: list[int] = []
    page.on("response", lambda r: "/basemap/" in r.url and tiles.append(r.status))
    page.goto(f"{live_url}/admin/layers/streetlamp/add/")
    page.wait_for_function("() => window.geodjango_geom && window.geodjango_geom.ready")
    page.wait_for_load_state("networkidle")
    screenshot(page, "admin-map-widget")
    assert tiles and set(tiles) == {200}  # the basemap's vector tiles

    box = page.locator("#id_geom_map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.getElementById('id_geom').value !== ''")
    drawn = json.loads(page.input_value("#id_geom"))
    assert drawn["type"] == "Point"
    page.select_option("#id_municipality", str(municipality.pk))
    page.fill("#id_source_id", f"csp-{uuid.uuid4().hex[:8]}")
    page.click("input[name=_continue]")
    page.wait_for_load_state("networkidle")
    assert "/change/" in page.url
    with django_db_blocker.unblock():
        lamp = StreetLamp.objects.get(source_id=page.input_value("#id_source_id"))
        try:
            first = lamp.geom.transform(4326, clone=True)
            centre = municipality.boundary.point_on_surface.transform(4326, clone=True)
            assert first.distance(centre) < 0.02  # the map opened on the municipality

            # Edit: clear the point, click 100 px further east, save.
            page.wait_for_function("() => window.geodjango_geom && window.geodjango_geom.ready")
            page.click("#id_geom_div_map .clear_features a")
            box = page.locator("#id_geom_map").bounding_box()  # under the "added" message now
            page.mouse.click(box["x"] + box["width"] / 2 + 100, box["y"] + box["height"] / 2)
            page.wait_for_function("() => document.getElementById('id_geom').value !== ''")
            screenshot(page, "admin-map-widget-moved")
            page.click("input[name=_continue]")
            page.wait_for_load_state("networkidle")
            lamp.refresh_from_db()
            moved = lamp.geom.transform(4326, clone=True)
            assert moved.x > first.x and moved.y == pytest.approx(first.y, abs=1e-4)
        finally:
            lamp.delete()


def test_every_map_reads_the_one_basemap_setting(demo, client, settings, monkeypatch):
    """The dashboard's map and the CSP read the one basemap setting (gis.core.conf): set in the
    environment only, both follow it."""
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    for name in ("TRYGG_BASEMAP_URL", "TRYGG_BASEMAP_ATTRIBUTION"):
        if hasattr(settings, name):
            delattr(settings, name)
    monkeypatch.setenv("TRYGG_BASEMAP_URL", url)
    monkeypatch.setenv("TRYGG_BASEMAP_ATTRIBUTION", "© Example tiles")
    client.force_login(make_user("planner", prefix="basemap"))
    page = client.get("/dashboard/")
    config = json.loads(
        re.search(
            r'<script id="dashboard-config" type="application/json">(.*?)</script>',
            page.content.decode(),
            re.S,
        ).group(1)
    )
    assert (config["basemap"], config["basemapAttribution"]) == (url, "© Example tiles")
    assert "https://tiles.example.org" in _directives(page["Content-Security-Policy"])["img-src"]

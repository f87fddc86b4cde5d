"""The dashboard's ES modules (gis/dashboard/static/dashboard/*.js, served as they are).

Without a browser: the import graph from main.js is whole and acyclic, markup reaches the page
only through html.js, the map page loads main.js as a module with the modules preloaded, and
`collectstatic` with the production settings leaves every import resolving to the file the
storage serves under that name. In Chromium: the page loads its modules with no console error
and no failed request at desktop and phone width, each module does its part, and text from the
database that looks like markup stays text on the map page.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import secrets
import subprocess
import sys
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import CspWatch, screenshot

from .conftest import orm_access
from .test_browser import login, wait_for_map

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "gis" / "dashboard" / "static"
MODULES = STATIC / "dashboard"
ENTRY = "dashboard/main.js"
#: Classic scripts of other pages that share the folder but are no modules of the map.
NOT_MODULES = {"dashboard/situation.js"}

# Static import and re-export statements: `import … from "x"`, `import "x"`, `export … from "x"`.
_IMPORT = re.compile(
    r"""^\s*(?:import|export)\b(?:[^;"']*?\bfrom\s*)?\s*(["'])(?P<spec>[^"']+)\1\s*;""",
    re.MULTILINE,
)


def imports_of(text: str) -> list[str]:
    """The module specifiers a module's text imports or re-exports, in order."""
    return [match["spec"] for match in _IMPORT.finditer(text)]


def module_graph() -> dict[str, list[str]]:
    """Static name (e.g. "dashboard/main.js") -> static names it imports, from main.js on."""
    graph: dict[str, list[str]] = {}
    todo = [ENTRY]
    while todo:
        name = todo.pop()
        if name in graph:
            continue
        specs = imports_of((STATIC / name).read_text())
        for spec in specs:
            assert spec.startswith("./") and spec.endswith(".js"), f"{name} imports {spec!r}"
        graph[name] = [
            posixpath.normpath(posixpath.join(posixpath.dirname(name), s)) for s in specs
        ]
        todo += graph[name]
    return graph


def test_the_import_graph_is_whole_and_acyclic():
    graph = module_graph()
    missing = {target for targets in graph.values() for target in targets} - {
        name for name in graph if (STATIC / name).is_file()
    }
    assert missing == set()
    on_disk = {f"dashboard/{path.name}" for path in MODULES.glob("*.js")} - NOT_MODULES
    assert set(graph) == on_disk, "every module is reached from main.js"
    assert {"style.js", "filters.js", "layers.js", "details.js", "fixes.js"} <= {
        posixpath.basename(name) for name in graph
    }
    # Acyclic: the modules form layers (main wires details and fixes through callbacks).
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, "import cycle: " + " -> ".join((*path, name))
        if name not in done:
            for target in graph[name]:
                visit(target, (*path, name))
            done.add(name)

    visit(ENTRY, ())


def test_the_import_pattern_reads_multi_line_imports():
    text = (
        'import {\n  a,\n  b,\n} from "./a.js";\nimport "./side.js";\nexport { c } from "./c.js";\n'
    )
    text += '// import x from "./comment.js" is not a statement\nconst s = "import";\n'
    assert imports_of(text) == ["./a.js", "./side.js", "./c.js"]


def test_markup_reaches_the_page_only_through_html_js():
    """Data is text: only html.js writes markup into the page, and only what its escaping `html`
    template made (setHtml refuses anything else)."""
    sink = re.compile(r"\.(?:innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write")
    offenders = {
        name: sink.findall((STATIC / name).read_text())
        for name in module_graph()
        if name != "dashboard/html.js"
    }
    assert {name: found for name, found in offenders.items() if found} == {}
    html_js = (MODULES / "html.js").read_text()
    assert len(sink.findall(html_js)) == 1  # setHtml's innerHTML


class _Scripts(HTMLParser):
    """The <script> elements and module preloads of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.preloads: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "link" and attributes.get("rel") == "modulepreload":
            self.preloads.append(attributes["href"])


def test_the_map_page_loads_main_js_as_a_module(client, demo, user_of):
    client.force_login(user_of("planner"))
    response = client.get("/dashboard/")
    assert response.status_code == 200
    parser = _Scripts()
    parser.feed(response.content.decode())
    sources = [(s.get("type"), s.get("src")) for s in parser.scripts]
    assert sources == [
        ("application/json", None),
        (None, "/static/vendor/maplibre-gl/maplibre-gl.js"),  # classic: defines maplibregl
        ("module", "/static/dashboard/main.js"),
    ]
    assert sorted(parser.preloads) == sorted(f"/static/{name}" for name in module_graph())
    assert "map.js" not in response.content.decode()


# --- production static files ---------------------------------------------------------------------
_PROBE = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from whitenoise.media_types import MediaTypes

call_command("collectstatic", interactive=False, verbosity=0)
names = json.loads(sys.argv[1])
print(json.dumps({
    "backend": settings.STORAGES["staticfiles"]["BACKEND"],
    "static_url": settings.STATIC_URL,
    "urls": {name: staticfiles_storage.url(name) for name in names},
    "js_type": MediaTypes().get_type("main.js"),
}))
"""


def test_production_collectstatic_keeps_every_module_import_resolvable(tmp_path):
    """`collectstatic` with the production settings (as docker/Dockerfile runs it); then each
    collected module's imports, resolved against the URL the page loads it from, must be the
    URL the storage gives the imported module (a hashed name, if the storage hashes) and name
    a collected file. Whitenoise serves them with a JavaScript type, as modules need."""
    graph = module_graph()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRYGG_", "DJANGO_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "gis.settings.production",
        "TRYGG_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgis://build@localhost/build",  # never connected to
        "TRYGG_STATIC_ROOT": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(sorted(graph))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["js_type"] in {"text/javascript", "application/javascript"}
    urls = probe["urls"]
    origin = "https://trygg.example.se"

    def collected(url: str) -> Path:
        path = urlsplit(urljoin(origin, url)).path
        assert path.startswith(probe["static_url"]), url
        return tmp_path / path.removeprefix(probe["static_url"])

    for name, targets in graph.items():
        module = collected(urls[name])
        assert module.is_file(), name
        specs = imports_of(module.read_text())
        assert len(specs) == len(targets), f"{name} as collected imports {specs}"
        for spec, target in zip(specs, targets, strict=True):
            resolved = urljoin(urljoin(origin, urls[name]), spec)
            assert resolved == urljoin(origin, urls[target]), (name, spec, probe["backend"])
            assert collected(resolved).is_file(), (name, spec)


# --- in the browser ------------------------------------------------------------------------------
def _expected_module_urls(base: str) -> set[str]:
    return {f"{base}/static/{name}" for name in module_graph()}


def _console_error(message) -> str:
    return f"{message.text} at {message.location.get('url', '')}"


@pytest.mark.browser
@pytest.mark.parametrize("width, height", [(1440, 900), (412, 915)])
def test_the_page_loads_its_modules_without_errors(live_url, browser, browser_users, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    watch = CspWatch(context)
    page = context.new_page()
    console: list[str] = []
    failed: list[str] = []
    loaded: set[str] = set()
    page.on("console", lambda m: console.append(_console_error(m)) if m.type == "error" else None)
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))

    def on_response(response) -> None:
        if response.status >= 400:
            failed.append(f"{response.url}: HTTP {response.status}")
        if "/static/dashboard/" in response.url and response.url.endswith(".js"):
            loaded.add(response.url)
            assert "javascript" in response.headers.get("content-type", ""), response.url

    page.on("response", on_response)
    try:
        errors = login(page, live_url, browser_users["analyst"])
        wait_for_map(page)
        assert loaded == _expected_module_urls(live_url)
        assert page.evaluate("window.tryggMap instanceof maplibregl.Map")
        assert page.locator("#layer-list > li").count() == 16
        assert int(page.evaluate("document.body.dataset.countsTotal")) > 2500
        map_box = page.locator("#map").bounding_box()
        panel_box = page.locator(".panel").bounding_box()
        assert map_box["width"] > 300 and map_box["height"] > 300
        if width < 800:  # stacked: the map above the panel, both full width
            assert map_box["y"] < panel_box["y"] and panel_box["width"] == pytest.approx(width)
        else:
            assert panel_box["x"] < map_box["x"]
        screenshot(page, f"dashboard-modules-{width}")
        page.click("#tab-layers")
        page.locator("#layer-list > li").first.scroll_into_view_if_needed()
        screenshot(page, f"dashboard-modules-{width}-layers")
        # Chromium asks every site for /favicon.ico by itself; Trygg has none (not the page's).
        console = [line for line in console if not line.endswith("/favicon.ico")]
        assert (errors, console, failed) == ([], [], [])
        assert watch.take(page) == []
    finally:
        context.close()


_GET = {
    "tiles": "() => window.tryggMap.getSource('reports').tiles[0]",
    "visibility": "(id) => window.tryggMap.getLayoutProperty(id, 'visibility')",
    "selected": "() => window.tryggMap.getSource('selected').serialize().data.features.length",
    "badges": "() => [...document.querySelectorAll('.maplibregl-marker.rank-badge')]"
    ".filter((b) => !b.hidden).length",
}


@pytest.mark.browser
def test_each_module_does_its_part(live_url, desktop, browser_users):
    page = desktop
    errors = login(page, live_url, browser_users["street_department"])
    wait_for_map(page)
    config = json.loads(page.text_content("#dashboard-config"))
    everything = int(page.evaluate("document.body.dataset.countsTotal"))

    # style.js: the pins' legend has a swatch per category, the incidents' a triangle.
    pins_legend = page.locator("#layer-list li[data-group=pins] .legend ul").first
    assert pins_legend.locator("svg.swatch").count() == len(config["categories"])
    assert page.locator("#layer-list li[data-group=incidents] svg polygon").count() == 1

    # filters.js: a ticked category reloads the report tiles with it, lowers the counts, and
    # goes into the URL.
    assert "category=" not in page.evaluate(_GET["tiles"])
    with page.expect_request(lambda r: "/tiles/reports/" in r.url and "category=lighting" in r.url):
        page.check("#filter-category input[value=lighting]")
    assert "category=lighting" in page.evaluate(_GET["tiles"])
    page.wait_for_function(f"() => Number(document.body.dataset.countsTotal) < {everything}")
    assert "category=lighting" in page.url

    # layers.js: the walk routes load with the filters when switched on; the districts hide.
    page.click("#tab-layers")
    with page.expect_response(lambda r: config["api"]["routes"] in r.url) as routes:
        page.check("#layer-routes")
    assert routes.value.ok and "category=lighting" in routes.value.url
    assert page.evaluate(_GET["visibility"], "routes-line") == "visible"
    page.uncheck("#layer-districts")
    assert page.evaluate(_GET["visibility"], "districts-line") == "none"
    assert "off" in page.get_attribute("#layer-list li[data-group=districts]", "class")
    assert "routes" in page.url.split("layers=")[1].split("&")[0]

    # fixes.js: the Fixes tab lists the fixes, each with its badge on the map; the layer hides
    # the badges.
    page.click("#tab-fixes")
    page.wait_for_function("() => document.querySelectorAll('#fix-list .fix-item').length >= 3")
    listed = page.locator("#fix-list .fix-item").count()
    assert page.evaluate(_GET["badges"]) == listed
    page.click("#tab-layers")
    page.uncheck("#layer-fixes")
    assert page.evaluate(_GET["badges"]) == 0
    page.check("#layer-fixes")
    assert page.evaluate(_GET["badges"]) == listed

    # details.js (with fixes.js): a fix opens in the details panel, ringed on the map; the
    # close button empties both.
    page.click("#tab-fixes")
    page.locator("#fix-list .fix-item").first.click()
    page.wait_for_selector("#detail .reasons li")
    assert page.evaluate(_GET["selected"]) == 1
    screenshot(page, "dashboard-modules-fix")
    page.click("#detail-close")
    assert page.locator("#detail").is_hidden() and page.evaluate(_GET["selected"]) == 0
    assert errors == []


@pytest.fixture
def hostile_pin(django_db_setup, django_db_blocker, browser_users):
    """A committed resident pin whose category name, colour, description and answer are markup;
    yields (category code, category name, pin); deleted afterwards."""
    from django.utils import timezone

    from gis.demo.load import demo_municipality
    from walks.models import Category, ResidentPin

    with orm_access(django_db_blocker):
        demo = demo_municipality()
        place = ResidentPin.objects.filter(municipality=demo).order_by("pk").first().geom
        name = '<img src=x onerror="window.tryggInjected=1" id="injected">'[:100]
        category = Category.objects.create(
            code=f"hostile{uuid.uuid4().hex[:6]}",
            name_sv=name,
            name_en=name,
            owner="street",
            colour='"><b>x',  # stored before the model validated colours
        )
        pin = ResidentPin.objects.create(
            municipality=demo,
            category=category,
            when="evening",
            description="<b id='bold'>fet</b>",
            public_answer='"></textarea><script>window.tryggInjected=2</script>',
            geom=place,
            reported_at=timezone.now(),
        )
    try:
        yield category.code, name, pin
    finally:
        with orm_access(django_db_blocker):
            pin.delete()
            category.delete()


@pytest.mark.browser
def test_markup_from_the_database_stays_text_on_the_map(
    live_url, desktop, hostile_pin, browser_users
):
    code, name, pin = hostile_pin
    page = desktop
    errors = login(page, live_url, browser_users["coordinator"])
    point = pin.geom.transform(4326, clone=True)
    page.goto(f"{live_url}/dashboard/?category={code}&layers=streets,pins#18.5/{point.y}/{point.x}")
    wait_for_map(page)
    assert (
        page.inner_text(f"#filter-category label:has(input[value={code}]) span:not(.count)") == name
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#triage-form")
    assert page.inner_text("#detail h2") == name
    assert "<b id='bold'>fet</b>" in page.inner_text("#detail dl")
    assert page.input_value("#triage-form textarea[name=public_answer]") == pin.public_answer
    assert page.locator("#triage-form select[name=category] option:checked").text_content() == name
    injected = "#injected, #bold, #detail img, #detail script, #detail .kind b"
    assert page.locator(injected).count() == 0
    assert page.evaluate("window.tryggInjected") is None
    assert page.get_attribute("#detail .kind svg rect", "fill") == "#888888"
    assert errors == []

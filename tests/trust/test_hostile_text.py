"""Data that staff and the public type stays data everywhere it is shown.

A table of the fields staff and residents can write (:data:`FIELDS`) and the outputs that show
each of them (:data:`OUTPUTS`): pages, figures (situation map and charts, a fix's map), exports
(CSV, GeoJSON, GeoPackage), tiles and feeds (Open311 JSON and XML). Every hostile value of
:data:`HOSTILE` is stored in every field at once (straight through the ORM: old rows may hold
anything), then every output must answer 200 and show the value literally: escaped in HTML,
unaltered in JSON, GeoPackage and XML, prefixed with ``'`` in CSV when it begins like a formula.
Control characters are refused at input (tests/trust/test_control_chars_b.py); stored anyway,
they are dropped from XML, which must stay well-formed.

The browser test opens the public walk app with a category and a note whose text is markup
and requires that no element was injected into the popup.
"""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from xml.etree import ElementTree

import pyogrio
import pytest
from django.contrib.gis.geos import Point
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from gis.core.csvsafe import safe_cell
from gis.core.textguard import xml_text
from layers.models import District
from tests.dashboard.conftest import PASSWORD, add_fixes, make_user
from tests.walks.conftest import inside_lonlat, make_walk
from walks.models import Category, PinStatusChange, ResidentPin, WalkAudit, WalkFinding

PNG = b"\x89PNG\r\n\x1a\n"

#: Values that have broken an output somewhere (markup, mathtext, formulas, bidi, length).
HOSTILE = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><b>x',
    "img": "<img src=x onerror=alert(1)>",
    "mathtext": "$\\foo$",
    "mathtext-power": "$x^2$",
    "hyperlink": '=HYPERLINK("http://evil.example/","klick")',
    "plus": "+1",
    "minus": "-1",
    "at": "@SUM(A1:A2)",
    "tab": "\tkalkyl",
    "carriage-return": "\r\nkalkyl",
    "right-to-left": "gatan \u202eevil.exe",
    "long": "å" * 10_000,
}

#: Writable text fields: (model, field). The value stored is cut to the field's max length.
FIELDS = [
    ("Category", "name_sv"),
    ("Category", "name_en"),
    ("District", "name"),
    ("SafetyWalk", "title"),
    ("WalkFinding", "note"),
    ("WalkAudit", "stop_name"),
    ("WalkAudit", "note"),
    ("ResidentPin", "description"),
    ("ResidentPin", "public_answer"),
    ("PinStatusChange", "note"),
    ("Fix", "answer"),
    ("Fix", "explanation"),
]


def _cut(model, field: str, value: str) -> str:
    limit = model._meta.get_field(field).max_length
    return value[:limit] if limit else value


class World:
    """The demo with one hostile value in every field of :data:`FIELDS`."""

    def __init__(self, demo, value: str) -> None:
        from gis.fixes.models import Fix

        self.value = value
        self.demo = demo
        self.category = Category.objects.create(
            code=f"hostile{uuid.uuid4().hex[:6]}",
            name_sv=_cut(Category, "name_sv", value),
            name_en=_cut(Category, "name_en", value),
            owner="street",
            colour='"><b>x',  # stored before the model validated colours
        )
        self.district = District.objects.filter(municipality=demo).order_by("pk").first()
        self.district.name = _cut(District, "name", value)
        self.district.save(update_fields=["name"])
        self.walk = make_walk(demo, title=value[:200])
        here = self.district.geom.point_on_surface
        now = timezone.now()
        self.finding = WalkFinding.objects.create(
            municipality=demo,
            walk=self.walk,
            author_role="resident",
            category=self.category,
            severity=3,
            when="evening",
            note=value,
            geom=here,
            observed_at=now,
        )
        self.audit = WalkAudit.objects.create(
            municipality=demo,
            walk=self.walk,
            stop_name=value[:100],
            note=value,
            geom=here,
            observed_at=now,
            **{name: 2 for name in WalkAudit.PARAMETERS},
        )
        self.pin = ResidentPin.objects.create(
            municipality=demo,
            district=self.district,
            category=self.category,
            when="evening",
            description=value,
            public_answer=value,
            geom=here,
            reported_at=now,
            published=True,
        )
        PinStatusChange.objects.create(
            pin=self.pin, from_status="received", to_status="triaged", note=value
        )
        self.fixes = add_fixes(demo, "hostile")
        Fix.objects.filter(pk__in=[f.pk for f in self.fixes]).update(
            answer=value, explanation=value
        )
        self.fix = self.fixes[0]
        self.lonlat = here.transform(4326, clone=True).coords


@pytest.fixture
def staff(client, demo):
    user = make_user("planner", prefix="hostile")
    user.is_superuser = True  # every page, the walk leader's included
    user.save(update_fields=["is_superuser"])
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- how each kind of output must show the value -------------------------------------------


def _html(response, value: str) -> None:
    text = response.content.decode()
    assert escape(value) in text or escape(value[:100]) in text, "value not shown (escaped)"
    if "<" in value:
        assert value not in text, "markup shown unescaped"


def _no_markup(response, value: str) -> None:
    """A page that need not show the value: it must not show it unescaped either."""
    if "<" in value:
        assert value not in response.content.decode(), "markup shown unescaped"


def _json_document(response, value: str) -> None:
    json.loads(response.content)


def _png(response, value: str) -> None:
    assert response.content[:8] == PNG


def _json_values(data) -> list:
    if isinstance(data, dict):
        return [v for item in data.values() for v in _json_values(item)]
    if isinstance(data, list):
        return [v for item in data for v in _json_values(item)]
    return [data]


def _json(response, value: str) -> None:
    found = _json_values(json.loads(response.content))
    assert any(isinstance(v, str) and v in (value, value[:100], value[:200]) for v in found)


def _csv(response, value: str) -> None:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    cells = [c for row in csv.reader(io.StringIO(content.decode("utf-8"))) for c in row]
    expected = {safe_cell(v) for v in (value, value[:100], value[:200])}
    assert expected & set(cells), "value not written (neutralised) in any cell"
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or _number(cell), cell


def _number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def _xml(response, value: str) -> None:
    root = ElementTree.fromstring(response.content)  # well-formed or it raises
    texts = {(e.text or "").replace("\r\n", "\n") for e in root.iter()}
    wanted = {xml_text(v).replace("\r\n", "\n") for v in (value, value[:100])}
    assert wanted & texts


def _gpkg(response, value: str, tmp_path) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.gpkg"
    path.write_bytes(response.content)
    found = set()
    for layer, _kind in pyogrio.list_layers(path):
        frame = pyogrio.read_dataframe(path, layer=layer)
        for column in frame.columns:
            found.update(v for v in frame[column] if isinstance(v, str))
    assert {value, value[:100], value[:200]} & found


def _tile(response, value: str) -> None:
    assert response["Content-Type"].startswith("application/")


def _tile_url(world: World) -> str:
    z = 16
    lon, lat = world.lonlat
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/api/dashboard/tiles/reports/{z}/{x}/{y}.pbf?municipality={world.demo.code}"


#: Outputs that show the fields: (name, URL of the world, check, fields shown).
OUTPUTS = [
    ("situation page", lambda w: "/en/dashboard/lagesbild/", _html, ["Category.name_en"]),
    (
        "situation page of a district",
        lambda w: f"/dashboard/lagesbild/?district={w.district.pk}",
        _html,
        ["Category.name_sv", "District.name"],
    ),
    ("situation map image", lambda w: "/dashboard/lagesbild/karta.png", _png, ["District.name"]),
    (
        "situation map image of a district",
        lambda w: f"/dashboard/lagesbild/karta.png?district={w.district.pk}",
        _png,
        ["District.name", "Category.colour"],
    ),
    (
        "situation CSV",
        lambda w: f"/dashboard/lagesbild.csv?district={w.district.pk}",
        _csv,
        ["Category.name_sv", "District.name"],
    ),
    ("situation GeoJSON", lambda w: "/dashboard/lagesbild.geojson", _json_document, []),
    ("fix page", lambda w: f"/fixes/{w.fix.pk}/", _html, ["Fix.answer", "Fix.explanation"]),
    ("fix map image", lambda w: f"/fixes/{w.fix.pk}/map.png", _png, []),
    ("fix list", lambda w: "/fixes/", _no_markup, []),
    ("fixes CSV", lambda w: "/fixes/export.csv", _csv, ["Fix.explanation"]),
    (
        "fix detail API",
        lambda w: f"/api/dashboard/fixes/{w.fix.pk}/",
        _json,
        ["Fix.answer", "Fix.explanation"],
    ),
    (
        "pin detail API",
        lambda w: f"/api/dashboard/features/resident/{w.pin.pk}/",
        _json,
        ["ResidentPin.description", "ResidentPin.public_answer", "PinStatusChange.note"],
    ),
    (
        "finding detail API",
        lambda w: f"/api/dashboard/features/walk/{w.finding.pk}/",
        _json,
        ["WalkFinding.note", "SafetyWalk.title"],
    ),
    ("report tile", _tile_url, _tile, []),
    ("walk app", lambda w: f"/w/{w.walk.join_code}/", _html, ["Category.name_sv"]),
    (
        "walk summary",
        lambda w: f"/walks/{w.walk.join_code}/summary/",
        _html,
        ["SafetyWalk.title", "WalkFinding.note", "Category.name_sv"],
    ),
    ("walk list", lambda w: "/walks/", _html, ["SafetyWalk.title"]),
    (
        "walk findings API",
        lambda w: f"/api/walks/{w.walk.join_code}/findings/",
        _json,
        ["WalkFinding.note"],
    ),
    (
        "walk CSV",
        lambda w: f"/walks/{w.walk.join_code}/export.csv",
        _csv,
        ["WalkFinding.note", "Category.name_sv"],
    ),
    (
        "walk GeoJSON",
        lambda w: f"/walks/{w.walk.join_code}/export.geojson",
        _json,
        ["WalkFinding.note", "Category.name_sv"],
    ),
    (
        "walk GeoPackage",
        lambda w: f"/walks/{w.walk.join_code}/export.gpkg",
        _gpkg,
        ["WalkFinding.note", "WalkAudit.stop_name", "WalkAudit.note", "SafetyWalk.title"],
    ),
    (
        "tracking page",
        lambda w: reverse("walks:track", args=[w.pin.tracking_token]),
        _html,
        ["ResidentPin.description", "ResidentPin.public_answer"],
    ),
    (
        "Open311 requests JSON",
        lambda w: f"/open311/v2/requests/{w.pin.pk}.json",
        _json,
        ["ResidentPin.description", "ResidentPin.public_answer", "Category.name_sv"],
    ),
    (
        "Open311 requests XML",
        lambda w: f"/open311/v2/requests/{w.pin.pk}.xml",
        _xml,
        ["ResidentPin.description", "ResidentPin.public_answer", "Category.name_sv"],
    ),
    ("Open311 services JSON", lambda w: "/open311/v2/services.json", _json, ["Category.name_sv"]),
    ("Open311 services XML", lambda w: "/open311/v2/services.xml", _xml, ["Category.name_sv"]),
    ("Open311 list XML", lambda w: "/open311/v2/requests.xml", _xml, ["ResidentPin.description"]),
]


def test_every_writable_field_has_an_output():
    """The table is complete: each writable field is shown by at least one output."""
    shown = {field for *_rest, fields in OUTPUTS for field in fields}
    assert {f"{model}.{field}" for model, field in FIELDS} <= shown


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_text_is_shown_literally_everywhere(staff, demo, value, tmp_path):
    world = World(demo, value)
    failures = []
    for name, url_of, check, _fields in OUTPUTS:
        url = url_of(world)
        response = staff.get(url, HTTP_ACCEPT_LANGUAGE="sv")
        if response.status_code != 200:
            failures.append(f"{name} ({url}): HTTP {response.status_code}")
            continue
        try:
            if check is _gpkg:
                check(response, value, tmp_path)
            else:
                check(response, value)
        except (AssertionError, ElementTree.ParseError) as error:
            failures.append(f"{name} ({url}): {error}")
    assert not failures, "\n".join(failures)


# --- the named instances ---------------------------------------------------------------------


def test_mathtext_name_and_bad_colour_keep_the_situation_picture_up(staff, demo):
    World(demo, "$\\foo$")
    district = District.objects.filter(municipality=demo).order_by("pk").first()
    for url in (
        f"/dashboard/lagesbild/?district={district.pk}",
        f"/dashboard/lagesbild/karta.png?district={district.pk}",
        "/dashboard/lagesbild/karta.png",
    ):
        response = staff.get(url)
        assert response.status_code == 200, url
    page = staff.get("/dashboard/lagesbild/").content.decode()
    assert '"><b>x' not in page and 'fill="#888888"' in page


def test_csv_cells_are_prefixed_but_numbers_stay_numbers(staff, demo):
    world = World(demo, "=1+2")
    walk_csv = staff.get(f"/walks/{world.walk.join_code}/export.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(walk_csv)))
    assert rows[0]["note"] == "'=1+2" and rows[0]["category_name"] == "'=1+2"
    assert float(rows[0]["lon"]) == pytest.approx(world.lonlat[0], abs=1e-6)
    fixes_csv = staff.get("/fixes/export.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(fixes_csv)))
    assert {r["explanation"] for r in rows if r["id"] == str(world.fix.pk)} == {"'=1+2"}
    assert all(not r["longitude"].startswith("'") for r in rows)
    situation = staff.get(f"/dashboard/lagesbild.csv?district={world.district.pk}")
    labels = {r["label"] for r in csv.DictReader(io.StringIO(situation.content.decode()))}
    assert "'=1+2" in labels and "=1+2" not in labels


def test_open311_xml_stays_well_formed_with_control_characters_in_the_database(staff, demo):
    world = World(demo, "ok")
    ResidentPin.objects.filter(pk=world.pin.pk).update(
        description="före\u000b\u0001efter", public_answer="svar\ufffe"
    )
    Category.objects.filter(pk=world.category.pk).update(name_sv="kat\u0008egori")
    for url, expected in (
        (f"/open311/v2/requests/{world.pin.pk}.xml", {"föreefter", "svar", "kategori"}),
        ("/open311/v2/requests.xml", {"föreefter", "svar"}),
        ("/open311/v2/services.xml", {"kategori"}),
    ):
        response = staff.get(url)
        assert response.status_code == 200, url
        root = ElementTree.fromstring(response.content)  # raises when not well-formed
        assert expected <= {e.text for e in root.iter()}, url


# --- the browser: popups are built from text nodes ---------------------------------------------


@pytest.fixture
def committed(django_db_setup, django_db_blocker, monkeypatch):
    """Rows committed for the live server; deleted at the end."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    created: list = []
    with django_db_blocker.unblock():
        yield created
        for obj in reversed(created):
            type(obj).objects.filter(pk=obj.pk).delete()
        connections.close_all()


@pytest.mark.browser
def test_walk_app_popup_shows_markup_as_text(live_url, phone, committed):
    from gis.demo.load import demo_municipality

    demo = demo_municipality()
    markup = '<img src=x onerror="window.tryggInjected=1" id="injected">'
    category = Category.objects.create(
        code=f"hostile{uuid.uuid4().hex[:6]}",
        name_sv=markup[:100],
        name_en=markup[:100],
        owner="street",
        colour='"><b>x',
    )
    committed.append(category)
    walk = make_walk(demo)
    committed.append(walk)
    lon, lat = inside_lonlat(demo)
    here = Point(lon, lat, srid=4326).transform(demo.boundary.srid, clone=True)
    walk.route = None
    walk.save(update_fields=["route"])
    finding = WalkFinding.objects.create(
        municipality=demo,
        walk=walk,
        author_role="resident",
        category=category,
        severity=3,
        when="evening",
        note="<b id='bold'>fet</b>",
        geom=here,
        observed_at=timezone.now(),
    )
    committed.append(finding)
    page = phone
    page.goto(f"{live_url}/w/{walk.join_code}")
    page.wait_for_function("window.tryggWalk && window.tryggWalk.map", timeout=15_000)
    page.evaluate(f"() => {{ window.tryggWalk.map.jumpTo({{center: [{lon}, {lat}], zoom: 17}}); }}")
    # The finding is drawn by MapLibre: tap it where it is rendered to open its popup.
    page.wait_for_function(
        "() => window.tryggWalk.map.queryRenderedFeatures({layers: ['wa-shared-point']})"
        ".length > 0",
        timeout=15_000,
    )
    page.locator("#wa-role").wait_for(state="visible", timeout=15_000)
    page.click('[data-role="resident"]')
    spot = page.evaluate(f"() => window.tryggWalk.map.project([{lon}, {lat}])")
    box = page.locator("#wa-map canvas").bounding_box()
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    popup = page.locator(".maplibregl-popup-content")
    popup.first.wait_for(state="visible", timeout=15_000)
    text = popup.first.inner_text()
    assert markup[:100] in text and "<b id='bold'>fet</b>" in text
    assert page.locator(".maplibregl-popup-content img, .maplibregl-popup-content b").count() == 0
    assert page.locator("#injected, #bold").count() == 0
    assert page.evaluate("window.tryggInjected") is None

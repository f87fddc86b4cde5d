"""Work lists, exports, the fix page and the status form: access rules and formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gis.fixes.explain import ids
from gis.fixes.exports import CSV_COLUMNS
from gis.fixes.models import Fix
from tests.fixes.conftest import make_user
from walks.models import ResidentPin

LIST = "/fixes/"


@pytest.fixture
def planner_client(client, ranked):
    client.force_login(make_user("planner"))
    return client


def _fix(ranked, **filters) -> Fix:
    return Fix.objects.filter(run=ranked.run, **filters).order_by("rank").first()


def test_anonymous_is_sent_to_the_login_page(client, ranked):
    fix = _fix(ranked)
    for url in (
        LIST,
        "/fixes/export.csv",
        "/fixes/export.geojson",
        "/fixes/print/",
        f"/fixes/{fix.pk}/",
        f"/fixes/{fix.pk}/map.png",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    response = client.post(f"/fixes/{fix.pk}/status/", {"to_status": "planned"})
    assert response.status_code == 302
    fix.refresh_from_db()
    assert fix.status == Fix.Status.PROPOSED


def test_roles_without_the_fix_permission_are_refused(client, ranked):
    client.force_login(make_user("walk_leader"))
    assert client.get(LIST).status_code == 403
    assert client.get(f"/fixes/{_fix(ranked).pk}/").status_code == 403


@pytest.mark.parametrize(
    ("role", "department", "allowed"),
    [
        ("analyst", "street", False),
        ("street_department", "street", True),
        ("street_department", "parks", False),
        ("parks_department", "parks", True),
        ("parks_department", "street", False),
        ("coordinator", "parks", True),
    ],
)
def test_who_may_change_a_fix(client, ranked, role, department, allowed):
    client.force_login(make_user(role))
    fix = _fix(ranked, department=department)
    page = client.get(f"/fixes/{fix.pk}/")
    assert page.status_code == 200
    assert (b'name="to_status"' in page.content) == allowed
    response = client.post(f"/fixes/{fix.pk}/status/", {"to_status": "planned", "note": "ok"})
    assert response.status_code == (302 if allowed else 403)
    fix.refresh_from_db()
    assert fix.status == (Fix.Status.PLANNED if allowed else Fix.Status.PROPOSED)


def test_status_form_errors_name_the_field(planner_client, ranked):
    fix = _fix(ranked)
    url = f"/fixes/{fix.pk}/status/"
    response = planner_client.post(url, {"to_status": "rejected", "note": ""})
    assert response.status_code == 400 and b'id="id_note"' in response.content
    assert b"errorlist" in response.content
    response = planner_client.post(url, {"to_status": "done"})
    assert response.status_code == 400
    planner_client.post(url, {"to_status": "planned"})
    response = planner_client.post(url, {"to_status": "scheduled"})
    assert response.status_code == 400 and b"scheduled_for" in response.content
    response = planner_client.post(url, {"to_status": "scheduled", "scheduled_for": "2030-05-01"})
    assert response.status_code == 302
    fix.refresh_from_db()
    assert fix.status == "scheduled" and fix.scheduled_for.isoformat() == "2030-05-01"


def test_list_filters_and_bad_values(planner_client, ranked, demo):
    response = planner_client.get(LIST, {"department": "parks", "municipality": demo.code})
    assert response.status_code == 200
    rows = response.content.decode().count('data-department="parks"')
    assert rows == min(50, Fix.objects.filter(run=ranked.run, department="parks").count())
    assert 'data-department="street"' not in response.content.decode()
    for field, value in (("department", "moon"), ("status", "x"), ("page", "0")):
        response = planner_client.get(LIST, {field: value})
        assert response.status_code == 400 and field in response.json(), field
    assert planner_client.get("/fixes/999999999/").status_code == 404


def test_csv_export(planner_client, ranked):
    response = planner_client.get("/fixes/export.csv", {"fix_type": "clear_vegetation"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    expected = Fix.objects.filter(municipality=ranked.run.municipality, fix_type="clear_vegetation")
    assert len(rows) - 1 == expected.count()
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["fix_type"] == "clear_vegetation" and first["department"] == "parks"
    assert first["rank"] == str(_fix(ranked, fix_type="clear_vegetation").rank)
    assert 24.8 < float(first["longitude"]) < 25.1 and 60.1 < float(first["latitude"]) < 60.25


def test_geojson_export_is_rfc7946_wgs84(planner_client, ranked):
    response = planner_client.get("/fixes/export.geojson", {"department": "street"})
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and "crs" not in data
    street = Fix.objects.filter(municipality=ranked.run.municipality, department="street")
    assert len(data["features"]) == street.count()
    lons, lats = [], []
    for feature in data["features"]:
        assert feature["properties"]["department"] == "street"
        coords = feature["geometry"]["coordinates"]
        flat = coords if isinstance(coords[0], float) else _flatten(coords)
        lons += flat[0::2]
        lats += flat[1::2]
    assert min(lons) > 24.8 and max(lons) < 25.1
    assert min(lats) > 60.1 and max(lats) < 60.25


def _flatten(coords) -> list[float]:
    if isinstance(coords[0], float | int):
        return list(coords)
    return [v for part in coords for v in _flatten(part)]


def test_print_page_and_map_snippet(planner_client, ranked):
    response = planner_client.get("/fixes/print/", {"limit": "5", "department": "parks"})
    assert response.status_code == 200
    page = response.content.decode()
    parks = Fix.objects.filter(run=ranked.run, department="parks").order_by("rank")[:5]
    for fix in parks:
        assert reverse("fixes:map", args=[fix.pk]) in page
    assert page.count('class="print-item"') == 5
    assert planner_client.get("/fixes/print/", {"limit": "500"}).status_code == 400
    png = planner_client.get(reverse("fixes:map", args=[parks[0].pk]))
    assert png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.size == (480, 360)
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 10  # something is drawn


def test_detail_names_evidence_and_shows_the_risk_model(planner_client, ranked):
    fix = _fix(ranked)
    response = planner_client.get(f"/en/fixes/{fix.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    reports = next(r for r in fix.reasons if r["code"] == "reports")
    assert f"Resident pins: {ids(reports['pin_ids'])}." in page
    latest = ResidentPin.objects.filter(pk__in=reports["pin_ids"]).latest("reported_at")
    assert f"<td>{latest.pk}</td>" in page
    assert f"{len(reports['pin_ids'])} resident pins" in page
    assert "Why this fix" in page and "Risk Terrain Model" in page
    for row in ranked.run.summary["risk"]:
        assert f'data-covariate="{row["covariate"]}"' in page
    risk = next(r for r in fix.reasons if r["code"] == "relative_risk")
    assert f'data-covariate="{risk["covariate"]}" class="used"' in page


def test_done_fix_page_shows_the_followup(planner_client, demo):
    done = Fix.objects.get(municipality=demo, status=Fix.Status.DONE)
    page = planner_client.get(f"/en/fixes/{done.pk}/").content.decode()
    assert 'id="followup"' in page and "Reports per month" in page


def test_recompute_from_the_list(client, ranked, demo):
    client.force_login(make_user("analyst"))
    assert client.post("/fixes/recompute/", {"municipality": demo.code}).status_code == 403
    client.force_login(make_user("planner", "planner-2"))
    response = client.post("/fixes/recompute/", {"municipality": "nowhere"})
    assert response.status_code == 400 and "municipality" in response.json()
    response = client.post("/fixes/recompute/", {"municipality": demo.code})
    # The ranking is a background task now (gis.jobs): the list's button enqueues it and shows
    # its page (tests/jobs/test_jobs.py runs it).
    assert response.status_code == 302 and "/analyser/" in response["Location"]
    assert not Fix.objects.filter(rank=1).exclude(run=ranked.run).exists()


def test_a_followup_that_cannot_be_computed_is_said_on_the_page(planner_client, demo):
    done = Fix.objects.get(municipality=demo, status=Fix.Status.DONE)
    Fix.objects.filter(pk=done.pk).update(done_at=timezone.now() + dt.timedelta(days=30))
    response = planner_client.get(f"/en/fixes/{done.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="followup"' not in page
    assert re.search(r'<p class="meta">as_of must be after [^<]+</p>', page)

"""What the fix pages, the API and the exports say agrees with itself: an unranked fix is
unranked everywhere ("–" on pages, null in JSON, an empty CSV cell, never "#0"); a fix whose
reports no longer count says so without "no relevant reports" beside "answers N pins"; the
explanation is in the page's language and names the place, not "segment N"."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from django.utils import translation

from gis.fixes import explain
from gis.fixes.models import Fix
from tests.fixes.conftest import make_user
from walks.models import ResidentPin


def _client(client):
    client.force_login(make_user("planner"))
    return client


def _top(ranked) -> Fix:
    return Fix.objects.filter(run=ranked.run, segment__isnull=False).order_by("rank").first()


def _api_fix(client, fix: Fix, language: str = "sv") -> dict:
    features = client.get(
        reverse("dashboard-api:fixes"),
        {"limit": 500, "department": fix.department, "lang": language},
    ).json()["features"]
    return next(
        f["properties"] for f in features if fix.pk in (f.get("id"), f["properties"].get("id"))
    )


def test_an_unranked_fix_is_unranked_everywhere(client, ranked):
    client = _client(client)
    for stored in (0, None):
        fix = _top(ranked)
        Fix.objects.filter(pk=fix.pk).update(rank=stored)
        fix.refresh_from_db()
        assert explain.rank(fix) is None and not explain.ranked_headline(fix).startswith("#")
        assert not str(fix).startswith("#")
        assert _api_fix(client, fix)["rank"] is None
        detail = client.get(f"/fixes/{fix.pk}/").content.decode()
        assert "#0" not in detail
        rows = list(csv.DictReader(io.StringIO(client.get("/fixes/export.csv").content.decode())))
        assert next(r for r in rows if r["id"] == str(fix.pk))["rank"] == ""
        geojson = client.get("/fixes/export.geojson").json()["features"]
        assert next(f for f in geojson if f["id"] == fix.pk)["properties"]["rank"] is None
        situation = client.get("/dashboard/lagesbild/").content.decode()
        assert "#0<" not in situation and f'data-fix="{fix.pk}"' not in situation
        Fix.objects.filter(pk=fix.pk).update(rank=1)


def test_the_api_schema_says_rank_is_nullable(client, ranked):
    schema = client.get("/api/schema/?format=json").json()
    ranks = [
        props["rank"]
        for component in schema["components"]["schemas"].values()
        for props in [component.get("properties", {})]
        if "rank" in props
    ]
    assert ranks and all(r.get("nullable") for r in ranks)


def test_reports_that_no_longer_count_do_not_contradict_the_answered_pins(client, ranked):
    client = _client(client)
    fix = _top(ranked)
    pins = list(ResidentPin.objects.filter(municipality=fix.municipality)[:3])
    fix.pins.set(pins)
    fix.reasons = [r for r in fix.reasons if r.get("code") != "reports"]
    fix.save(update_fields=["reasons"])
    page = client.get(f"/fixes/{fix.pk}/").content.decode()
    assert "Inga relevanta rapporter ännu." not in page
    assert "Inga nya relevanta rapporter: de 3 invånarrapporter" in page
    assert "Åtgärden besvarar 3 invånarrapporter." in page
    fix.pins.clear()
    page = client.get(f"/fixes/{fix.pk}/").content.decode()
    assert "Inga relevanta rapporter ännu." in page


def test_the_explanation_is_in_the_language_and_names_the_place(client, ranked):
    client = _client(client)
    fix = _top(ranked)
    assert f"segment {fix.segment_id}" in fix.explanation  # the engine's English record
    with translation.override("sv"):
        place, action_sv = explain.place_label(fix), str(fix.get_fix_type_display())
    with translation.override("en"):
        action_en = str(fix.get_fix_type_display())
    assert action_sv != action_en
    swedish = _api_fix(client, fix, "sv")["explanation"]

    assert (
        swedish.startswith(f"{action_sv}: {place}.") and f"segment {fix.segment_id}" not in swedish
    )
    assert "rapporter" in swedish or "rapport" in swedish
    en = _api_fix(client, fix, "en")["explanation"]
    assert en.startswith(f"{action_en}: ") and "segment " not in en.split(".")[0]

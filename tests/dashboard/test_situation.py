"""The situation picture's numbers against direct ORM counts, its hot-spot comparison, the
follow-up of completed fixes, and its page, CSV and GeoJSON."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.test import override_settings

from gis.dashboard.filters import parse_filters
from gis.dashboard.queries import hotspot_frame
from gis.dashboard.situation import HOT_BIN, build_situation, previous_period, to_csv
from gis.fixes.followup import fix_followup
from gis.fixes.models import Fix
from layers.models import District

from .conftest import PASSWORD
from .helpers import orm_reports

PERIOD = "from=2026-09-01&to=2026-10-31"


def situation_for(query: str):
    return build_situation(parse_filters(QueryDict(query), default_days=14))


def test_counts_by_source_and_category_match_the_orm(demo):
    situation = situation_for(PERIOD)
    current = orm_reports(demo, start=situation.start, end=situation.end)
    previous = orm_reports(demo, start=situation.previous.start, end=situation.previous.end)
    assert situation.previous.end == situation.start
    assert situation.previous.end - situation.previous.start == situation.end - situation.start
    assert (situation.total.current, situation.total.previous) == (len(current), len(previous))
    assert len(current) > 100
    for row in situation.by_source:
        assert row.current == sum(1 for s, _ in current if s == row.key), row.key
        assert row.previous == sum(1 for s, _ in previous if s == row.key), row.key
    for row in situation.by_category:
        expected = orm_reports(
            demo, start=situation.start, end=situation.end, categories=(row.key,)
        )
        assert row.current == len(expected), row.key
    assert sum(r.current for r in situation.by_category) == situation.total.current


def test_counts_of_a_district(demo):
    district = District.objects.get(municipality=demo, name="Kluuvi")
    situation = situation_for(f"{PERIOD}&district={district.pk}")
    expected = orm_reports(demo, start=situation.start, end=situation.end, district=district)
    assert situation.district == district
    assert situation.total.current == len(expected) > 10


def test_default_period_is_the_setting(demo):
    with override_settings(TRYGG_SITUATION_PERIOD_DAYS=7):
        from gis.dashboard.situation import period_days

        filters = parse_filters(QueryDict("to=2026-10-31"), default_days=period_days())
    assert filters.end - filters.start == timedelta(days=7)
    assert previous_period(filters).start == filters.start - timedelta(days=7)


def test_new_and_persisting_hotspots_compare_the_two_periods(demo):
    situation = situation_for("from=2026-10-01&to=2026-11-30")
    now = hotspot_frame(situation.filters)
    before = hotspot_frame(situation.previous)
    hot_now = set(now.loc[now.gi_bin >= HOT_BIN, "cell_id"])
    hot_before = set(before.loc[before.gi_bin >= HOT_BIN, "cell_id"])
    assert set(situation.hot_new.cell_id) == hot_now - hot_before
    assert set(situation.hot_persisting.cell_id) == hot_now & hot_before
    assert set(situation.hot_ended.cell_id) == hot_before - hot_now
    # The demo plants a new hot spot in the last month and a persistent one all along.
    assert len(situation.hot_new) > 0 and len(situation.hot_persisting) > 0


def test_top_fixes_per_department_and_the_follow_up(demo, fixes):
    situation = situation_for("")
    # The demo's done lamp repair is out of today's ranking: no rank, not a top fix.
    assert [f.rank for f in situation.top_fixes["street"]][:4] == [1, 2, 3, 4]
    assert [f.department for f in situation.top_fixes["parks"]] == ["parks", "parks"]
    done = Fix.objects.get(municipality=demo, status="done")
    (follow,) = situation.completed
    assert follow.fix == done
    table = fix_followup(done, as_of=situation.end).table
    assert follow.before_per_month == pytest.approx(table.loc["reports_per_month", "before"])
    assert follow.after_per_month == pytest.approx(table.loc["reports_per_month", "after"])
    # The demo's lamp repair stopped (nearly all) the reports at that path.
    assert follow.before_per_month > 5 * follow.after_per_month


def test_csv_export_carries_the_numbers(demo):
    situation = situation_for(PERIOD)
    rows = list(csv.DictReader(io.StringIO(to_csv(situation))))
    by_source = {
        (r["key"], r["metric"]): int(r["value"])
        for r in rows
        if r["section"] == "reports_by_source"
    }
    for row in situation.by_source:
        assert by_source[(row.key, "current")] == row.current
        assert by_source[(row.key, "change")] == row.change
    hot = {r["key"]: int(r["value"]) for r in rows if r["section"] == "hotspots"}
    assert hot["new"] == len(situation.hot_new)


@pytest.fixture
def staff(client, user_of):
    user = user_of("planner")
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_page_and_downloads(staff, demo):
    situation = situation_for(PERIOD)
    page = staff.get(f"/dashboard/lagesbild/?{PERIOD}")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="total-current">{situation.total.current}<' in html
    assert "data:image/png;base64," in html and "lagesbild/karta.png?" in html
    assert 'style="' not in html.split("<main>")[1]  # no inline styles (CSP)
    geojson = json.loads(staff.get(f"/dashboard/lagesbild.geojson?{PERIOD}").content)
    layers = [f["properties"]["layer"] for f in geojson["features"]]
    assert layers.count("report") == situation.total.current
    assert layers.count("hotspot") == (
        len(situation.hot_new) + len(situation.hot_persisting) + len(situation.hot_ended)
    )
    download = staff.get(f"/dashboard/lagesbild.csv?{PERIOD}")
    assert download["Content-Disposition"].startswith(
        'attachment; filename="lagesbild-20260901-20261031'
    )
    image = staff.get(f"/dashboard/lagesbild/karta.png?{PERIOD}")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_page_in_english(staff, demo):
    html = staff.get(f"/en/dashboard/lagesbild/?{PERIOD}").content.decode()
    assert "Situation picture" in html and "What was reported" in html


def test_fixes_and_hot_spots_are_named_by_their_places(staff, demo, fixes):
    from django.utils import translation

    from gis.fixes import explain

    with translation.override("sv"):
        situation = situation_for("from=2026-10-01&to=2026-11-30")
        top = situation.top_fixes["street"][0]
        assert top.headline == explain.headline(top) and ": " in top.headline
        assert "segment" not in top.headline
        cells = situation.hot_new
        assert len(cells) and all(isinstance(place, str) for place in cells["place"])
        assert any(cells["place"])  # the planted hot spots lie on named streets and paths
        rows = list(csv.DictReader(io.StringIO(to_csv(situation))))
    top_rows = [r for r in rows if r["section"] == "top_fixes_street" and r["key"] == str(top.pk)]
    assert {r["label"] for r in top_rows} == {top.headline}
    cell_rows = [r for r in rows if r["section"] == "hotspot_cells_new"]
    assert {(r["key"], r["label"]) for r in cell_rows} == {
        (str(c.cell_id), c.place) for c in cells.itertuples()
    }
    assert {r["metric"] for r in cell_rows} == {"reports", "z"}

    query = "from=2026-10-01&to=2026-11-30"
    page = staff.get(f"/dashboard/lagesbild/?{query}").content.decode()
    assert f"<td>{top.headline}</td>" in page
    strongest = cells.sort_values("z", ascending=False)["place"].iloc[0]
    assert f'<td class="place">{strongest or "–"}</td>' in page
    geojson = json.loads(staff.get(f"/dashboard/lagesbild.geojson?{query}").content)
    fix_feature = next(
        f["properties"]
        for f in geojson["features"]
        if f["properties"]["layer"] == "fix" and f["properties"]["id"] == top.pk
    )
    assert fix_feature["headline"] == top.headline
    assert (fix_feature["place_kind"], fix_feature["place_id"]) == ("segment", top.segment_id)
    assert fix_feature["place_name"] == explain.place_label(top)
    hot_places = {
        f["properties"]["cell"]: f["properties"]["place"]
        for f in geojson["features"]
        if f["properties"]["layer"] == "hotspot" and f["properties"]["status"] == "new"
    }
    assert hot_places == dict(zip(cells["cell_id"], cells["place"], strict=True))
    english = staff.get(f"/en/dashboard/lagesbild.geojson?{query}").content.decode()
    with translation.override("en"):
        assert json.dumps(explain.headline(top))[1:-1] in english


def test_incidents_of_the_period_show_their_time_span(staff, demo):
    from datetime import UTC, datetime

    from layers.models import Incident

    spanned, moment = Incident.objects.filter(municipality=demo).order_by("pk")[:2]
    spanned.occurred_at = datetime(2026, 10, 30, 21, tzinfo=UTC)  # 22:00 in Stockholm (CET)
    spanned.occurred_to = datetime(2026, 10, 31, 5, tzinfo=UTC)  # 06:00 the next morning
    spanned.save()
    moment.occurred_at = datetime(2026, 10, 30, 20, 15, tzinfo=UTC)
    moment.occurred_to = None
    moment.save()

    situation = situation_for(PERIOD)
    assert [i.pk for i in situation.incidents[:2]] == [spanned.pk, moment.pk]  # newest first
    page = staff.get(f"/dashboard/lagesbild/?{PERIOD}").content.decode()
    row = page.split(f'data-incident="{spanned.pk}">')[1].split("</tr>")[0]
    assert "<td>30 oktober 2026 22:00–06:00</td>" in row
    row = page.split(f'data-incident="{moment.pk}">')[1].split("</tr>")[0]
    assert "<td>30 oktober 2026 21:15</td>" in row
    assert "ett tidsspann som slutar nästa dag" in page
    english = staff.get(f"/en/dashboard/lagesbild/?{PERIOD}").content.decode()
    assert "<td>30 October 2026 22:00–06:00</td>" in english

    rows = list(
        csv.DictReader(
            io.StringIO(staff.get(f"/dashboard/lagesbild.csv?{PERIOD}").content.decode())
        )
    )
    values = {(r["key"], r["metric"]): r["value"] for r in rows if r["section"] == "incidents"}
    assert values[(str(spanned.pk), "occurred")] == "30 oktober 2026 22:00–06:00"
    assert values[(str(spanned.pk), "occurred_at")] == "2026-10-30T21:00:00+00:00"
    assert values[(str(spanned.pk), "occurred_to")] == "2026-10-31T05:00:00+00:00"
    assert values[(str(moment.pk), "occurred_to")] == ""

    geojson = json.loads(staff.get(f"/dashboard/lagesbild.geojson?{PERIOD}").content)
    reports = {
        (f["properties"]["source"], f["properties"]["id"]): f["properties"]
        for f in geojson["features"]
        if f["properties"]["layer"] == "report"
    }
    assert reports[("incident", spanned.pk)]["at"] == "2026-10-30T21:00:00+00:00"
    assert reports[("incident", spanned.pk)]["occurred_to"] == "2026-10-31T05:00:00+00:00"
    assert reports[("incident", moment.pk)]["occurred_to"] is None
    assert all("occurred_to" in p for p in reports.values())

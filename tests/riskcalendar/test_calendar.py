"""The risk calendar on real PostGIS: day types and pay days, iCal and CSV imports, the
`trygg calendar` command, a planted holiday effect recovered from stored incidents, the
planner's day weights and the situation picture's section."""

from __future__ import annotations

import io
import json
import os
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.utils import timezone

from gis.core.models import Municipality
from gis.dashboard.filters import parse_filters
from gis.dashboard.situation import build_situation, to_csv
from gis.riskcalendar.days import calendar_days, pay_day
from gis.riskcalendar.models import CalendarEntry
from gis.riskcalendar.weights import day_weights
from layers.models import Incident
from tests._cli import trygg

pytestmark = pytest.mark.django_db

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Kommun//Lov//SV
BEGIN:VEVENT
UID:sportlov-2027@kommun.example
DTSTART;VALUE=DATE:20270222
DTEND;VALUE=DATE:20270301
SUMMARY:Sportlov 2027
END:VEVENT
BEGIN:VEVENT
UID:hostlov-2027@kommun.example
DTSTART;VALUE=DATE:20271101
DTEND;VALUE=DATE:20271106
SUMMARY:Höstlov
END:VEVENT
END:VCALENDAR
"""


def calendar(*args: str) -> str:
    out = io.StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def town(demo) -> Municipality:
    """An empty municipality on the demo's ground."""
    return Municipality.objects.create(code="test-town", name="Testby", boundary=demo.boundary)


def test_pay_day_moves_before_weekends_and_holidays():
    assert pay_day(2026, 11) == date(2026, 11, 25)  # a Wednesday
    assert pay_day(2026, 4) == date(2026, 4, 24)  # Saturday the 25th: Friday
    assert pay_day(2027, 7) == date(2027, 7, 23)  # Sunday the 25th: Friday
    # Christmas Day (Friday 25 Dec 2026) and Christmas Eve before it: Wednesday the 23rd.
    assert pay_day(2026, 12) == date(2026, 12, 23)


def test_day_types_of_a_range(town):
    CalendarEntry.objects.create(
        municipality=town,
        kind="school_holiday",
        name="Jullov 2026/2027",
        starts_on=date(2026, 12, 19),
        ends_on=date(2027, 1, 10),
    )
    CalendarEntry.objects.create(
        municipality=town,
        kind="match",
        name="IFK–AIK",
        starts_on=date(2026, 10, 3),
        ends_on=date(2026, 10, 3),
    )
    days = calendar_days(town, date(2026, 4, 1), date(2026, 12, 31))
    types = {(d, t) for d, t in zip(days["date"], days["day_type"], strict=True)}
    assert (date(2026, 4, 30), "Valborgsmässoafton") in types
    assert (date(2026, 6, 19), "Midsommarafton") in types
    assert (date(2026, 12, 31), "Nyårsafton") in types
    assert (date(2026, 10, 31), "Halloween") in types
    assert (date(2026, 12, 23), "Lönedag") in types
    assert (date(2026, 12, 19), "Skolavslutning") in types  # the jullov's first day
    assert (date(2026, 12, 31), "Jullov") in types  # "2026/2027" is no part of the type
    assert (date(2026, 10, 3), "Hemmamatch") in types
    assert not any(t.startswith("Dag före") for _d, t in types)
    assert days["date"].is_monotonic_increasing


def test_ical_import_is_idempotent_and_updates_by_uid(town, tmp_path):
    path = tmp_path / "lov.ics"
    path.write_text(ICS, encoding="utf-8")
    first = calendar("import", str(path), "--municipality", "test-town")
    assert "2 added, 0 updated, 0 unchanged" in first
    again = calendar("import", str(path), "--municipality", "test-town")
    assert "0 added, 0 updated, 2 unchanged" in again
    sport = CalendarEntry.objects.get(municipality=town, source_uid="sportlov-2027@kommun.example")
    # DTEND of an all-day event is exclusive: the lov ends on Sunday.
    assert (sport.kind, sport.starts_on, sport.ends_on) == (
        "school_holiday",
        date(2027, 2, 22),
        date(2027, 2, 28),
    )
    path.write_text(ICS.replace("20271106", "20271108"), encoding="utf-8")
    changed = calendar("import", str(path), "--municipality", "test-town")
    assert "0 added, 1 updated, 1 unchanged" in changed
    assert CalendarEntry.objects.filter(municipality=town).count() == 2


def test_csv_import_in_swedish_with_semicolons_is_idempotent(town, tmp_path):
    path = tmp_path / "lov.csv"
    path.write_text(
        "namn;från;till;typ\nSportlov;2027-02-22;2027-02-28;lov\n"
        "Hemmamatch;2027-05-08;;hemmamatch\nMarknadsdag;2027-06-01;2027-06-01;market\n",
        encoding="utf-8",
    )
    assert "3 added" in calendar("import", str(path), "--municipality", "test-town")
    assert "0 added, 0 updated, 3 unchanged" in calendar(
        "import", str(path), "--municipality", "test-town"
    )
    kinds = dict(CalendarEntry.objects.filter(municipality=town).values_list("name", "kind"))
    assert kinds == {"Sportlov": "school_holiday", "Hemmamatch": "match", "Marknadsdag": "market"}
    english = tmp_path / "events.csv"
    english.write_text("name,from,to\nHöstlov,2027-11-01,2027-11-07\n", encoding="utf-8")
    assert "1 added" in calendar(
        "import", str(english), "--municipality", "test-town", "--kind", "school_holiday"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "namn;från;till\nSportlov;2027-02-22;2027-02-28\nPåsklov;2027-13-01;\n",
            "row 3: from must be a date",
        ),
        (
            "namn;från;till\nSportlov;2027-02-28;2027-02-22\n",
            "row 2: the last day 2027-02-22 lies before",
        ),
        ("namn;från;till;typ\nX;2027-02-22;;krig\n", "row 2: kind must be one of"),
        ("title,start\nX,2027-01-01\n", "row 1: the header lacks name, from"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Lov\nEND:VEVENT\nEND:VCALENDAR\n", "no DTSTART"),
    ],
)
def test_a_bad_file_writes_nothing_and_says_where(town, tmp_path, content, message):
    path = tmp_path / ("bad.ics" if content.startswith("BEGIN") else "bad.csv")
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message) as raised:
        calendar("import", str(path), "--municipality", "test-town")
    assert "nothing was imported" in str(raised.value) and "\n" not in str(raised.value)
    assert not CalendarEntry.objects.filter(municipality=town).exists()


def test_the_command_line_exits_with_one_line_on_a_bad_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("namn,från\nSportlov,22 februari\n", encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gis.settings.test"}
    result = trygg("calendar", "import", str(path), env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "row 2" in lines[0] and "from" in lines[0], result.stderr


def test_add_and_list(town):
    out = calendar(
        "add", "--municipality", "test-town", "--kind", "match", "--name", "Hemmamatch",
        "--from", "2027-05-08", "--lon", "24.94", "--lat", "60.17",
    )  # fmt: skip
    assert out.startswith("added:")
    again = calendar(
        "add", "--municipality", "test-town", "--kind", "match", "--name", "Hemmamatch",
        "--from", "2027-05-08", "--lon", "24.94", "--lat", "60.17",
    )  # fmt: skip
    assert again.startswith("unchanged:")
    entry = CalendarEntry.objects.get(municipality=town)
    assert entry.geom is not None and entry.ends_on == date(2027, 5, 8)
    rows = json.loads(
        calendar(
            "list",
            "--municipality",
            "test-town",
            "--from",
            "2027-04-25",
            "--to",
            "2027-05-10",
            "--json",
        )
    )
    assert {
        "date": "2027-04-30",
        "day_type": "Valborgsmässoafton",
        "kind": "holiday",
        "name": "Valborgsmässoafton",
    } in rows
    assert {
        "date": "2027-05-08",
        "day_type": "Hemmamatch",
        "kind": "match",
        "name": "Hemmamatch",
    } in rows
    assert any(r["day_type"] == "Lönedag" for r in calendar_json_default(town))
    with pytest.raises(CommandError, match="--lon/--lat"):
        calendar(
            "add", "--municipality", "test-town", "--kind", "match", "--name", "Borta",
            "--from", "2027-05-08", "--lon", "11.97", "--lat", "57.70",
        )  # fmt: skip
    with pytest.raises(CommandError, match="--kind must be one of"):
        calendar("add", "--kind", "war", "--name", "X", "--from", "2027-01-01")
    with pytest.raises(CommandError, match="--from must be a date"):
        calendar("add", "--kind", "other", "--name", "X", "--from", "1 maj")


def calendar_json_default(town) -> list[dict]:
    """The default range: today and the coming 8 weeks, pay days always among them."""
    return json.loads(calendar("list", "--municipality", town.code, "--json"))


def _plant(town, years, per_day, on_valborg, segments_point):
    """`per_day` incidents at 12:00 on every day of `years`, `on_valborg` on 30 April."""
    rows = []
    for year in years:
        day = date(year, 1, 1)
        while day.year == year:
            count = on_valborg if (day.month, day.day) == (4, 30) else per_day
            noon = timezone.make_aware(datetime.combine(day, time(12)))
            rows += [
                Incident(
                    municipality=town,
                    type="vandalism",
                    reported_by="police",
                    occurred_at=noon,
                    geom=segments_point,
                    source="test",
                    source_id=f"{day}-{i}",
                )
                for i in range(count)
            ]
            day += timedelta(days=1)
    Incident.objects.bulk_create(rows, batch_size=2000)


def test_a_planted_valborg_effect_is_recovered_with_its_interval(town):
    """3 incidents every day of 2023-2025 and 6 on Valborgsmässoafton: a rate ratio of 2 whose
    interval excludes 1; National Day, with no effect, has a ratio of 1 and an interval that
    covers it."""
    inside = town.boundary.point_on_surface
    _plant(town, (2023, 2024, 2025), 3, 6, Point(inside.x, inside.y, srid=inside.srid))
    rows = json.loads(
        calendar("effects", "--municipality", "test-town", "--since", "2023-01-01", "--json")
    )
    by_name = {row["name"]: row for row in rows}
    for row in rows:
        assert {"name", "days", "rate_ratio", "ci_low", "ci_high"} <= row.keys()
    valborg = by_name["Valborgsmässoafton"]
    assert valborg["days"] == 3 and valborg["rate_ratio"] == 2.0
    assert 1.0 < valborg["ci_low"] < 2.0 < valborg["ci_high"]
    national = by_name["Nationaldagen"]
    assert national["rate_ratio"] == 1.0 and national["ci_low"] < 1.0 < national["ci_high"]
    assert by_name["Halloween"]["measure"] == "all"
    text = calendar("effects", "--municipality", "test-town", "--since", "2023-01-01")
    assert "Valborgsmässoafton\t3 days\tobserved 18\texpected 9.0\trate ratio 2.00" in text
    split = json.loads(
        calendar("effects", "--municipality", "test-town", "--by", "category", "--json")
    )
    assert {row["category"] for row in split} == {"vandalism"}
    # The planner's weights: Valborg doubles expected harm, an ordinary day stays 1.
    weights = day_weights(town, [date(2026, 4, 29), date(2026, 4, 30), date(2026, 6, 6)])
    assert weights == {date(2026, 4, 29): 1.0, date(2026, 4, 30): 2.0, date(2026, 6, 6): 1.0}
    with pytest.raises(CommandError, match="--by must be one of"):
        calendar("effects", "--municipality", "test-town", "--by", "colour")


def test_an_empty_municipality_has_no_effects(town):
    assert "no reports or incidents" in calendar("effects", "--municipality", "test-town")
    assert day_weights(town, [date(2026, 4, 30)]) == {date(2026, 4, 30): 1.0}


def test_the_demo_holds_a_recoverable_valborg_effect(demo):
    rows = {
        r["name"]: r for r in json.loads(calendar("effects", "--municipality", demo.code, "--json"))
    }
    valborg = rows["Valborgsmässoafton"]
    assert valborg["enough"] and valborg["ci_low"] > 1.0, valborg
    by_district = json.loads(
        calendar("effects", "--municipality", demo.code, "--by", "district", "--json")
    )
    assert {row["district"] for row in by_district} <= {"Kamppi", "Kluuvi", "Kruununhaka"}
    assert any(row["name"] == "Valborgsmässoafton" for row in by_district)
    assert CalendarEntry.objects.filter(municipality=demo, kind="school_holiday").exists()


def test_the_situation_picture_shows_the_coming_risk_days_escaped(demo, client):
    end = timezone.localdate() + timedelta(days=1)
    CalendarEntry.objects.create(
        municipality=demo,
        kind="event",
        name="<b>Marknad</b> & fest",
        starts_on=end + timedelta(days=3),
        ends_on=end + timedelta(days=4),
    )
    query = f"from={end - timedelta(days=14)}&to={end}&municipality={demo.code}"
    situation = build_situation(parse_filters(QueryDict(query), default_days=14))
    names = [day.day_type for day in situation.risk_days]
    assert "Lönedag" in names or "Julafton" in names or "Nyårsafton" in names
    assert "<b>Marknad</b> & fest" in names
    exported = to_csv(situation)
    assert "risk_days," in exported
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("cal-admin", "a@example.org", "pw-123456-long")
    client.force_login(user)
    page = client.get(f"/lagesbild/?{query}")
    if page.status_code == 404:
        from django.urls import reverse

        page = client.get(reverse("dashboard:situation") + "?" + query)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="risk-days"' in html
    assert "&lt;b&gt;Marknad&lt;/b&gt; &amp; fest" in html and "<b>Marknad</b>" not in html

"""One definition of day, evening and night: the vocabulary and every consumer bin alike.

The edge instants are written as local clock times in Europe/Stockholm with the period a
person expects, by hand (not from the module under test), around every boundary hour and on
both sides of the 2024 clock changes (spring forward 31 March 02:00 -> 03:00, fall back
27 October 03:00 -> 02:00). Each consumer is driven the way it runs: the dashboard's SQL in the
real PostGIS, the hot-spot selection through stored incidents, the prioritisation's frames,
Open311's function with a fixed "now", and the demo generator's clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.utils import translation

from gis.core import timeofday
from gis.core.vocabulary import WhenUnsafe

TZ = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(TZ)


def _local(text: str, fold: int = 0) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM, fold=fold)


#: (local clock time, fold, expected period)
EDGES = [
    ("2024-01-15 06:59:59", 0, "night"),
    ("2024-01-15 07:00:00", 0, "day"),
    ("2024-01-15 07:30:00", 0, "day"),
    ("2024-01-15 17:59:59", 0, "day"),
    ("2024-01-15 18:00:00", 0, "evening"),
    ("2024-01-15 18:30:00", 0, "evening"),  # 17:30 UTC: day if read in UTC
    ("2024-01-15 21:59:59", 0, "evening"),
    ("2024-01-15 22:00:00", 0, "night"),
    ("2024-01-15 23:59:00", 0, "night"),
    ("2024-01-16 00:00:00", 0, "night"),
    ("2024-01-16 03:00:00", 0, "night"),
    ("2024-07-15 06:59:59", 0, "night"),
    ("2024-07-15 07:30:00", 0, "day"),
    ("2024-07-15 17:59:59", 0, "day"),
    ("2024-07-15 18:00:00", 0, "evening"),
    # spring forward: 01:59:59 CET, then 03:00:00 CEST one second later
    ("2024-03-31 01:59:59", 0, "night"),
    ("2024-03-31 03:00:00", 0, "night"),
    ("2024-03-31 06:59:59", 0, "night"),  # 04:59:59 UTC
    ("2024-03-31 07:00:00", 0, "day"),  # 05:00 UTC: night with winter's offset
    ("2024-03-30 17:59:59", 0, "day"),  # the evening before, still CET
    ("2024-03-31 17:59:59", 0, "day"),  # 15:59:59 UTC
    ("2024-03-31 18:00:00", 0, "evening"),
    # fall back: 02:30 happens twice, first CEST (fold 0) then CET (fold 1)
    ("2024-10-27 02:30:00", 0, "night"),
    ("2024-10-27 02:30:00", 1, "night"),
    ("2024-10-27 06:59:59", 0, "night"),  # 05:59:59 UTC
    ("2024-10-27 07:00:00", 0, "day"),
    ("2024-10-27 17:59:59", 0, "day"),  # 16:59:59 UTC: evening with summer's offset
    ("2024-10-27 18:00:00", 0, "evening"),
    ("2024-10-26 21:59:59", 0, "evening"),  # the day before, still CEST
    ("2024-10-26 22:00:00", 0, "night"),
]
INSTANTS = [_local(text, fold).astimezone(UTC) for text, fold, _ in EDGES]
EXPECTED = [period for _, _, period in EDGES]


def test_edge_instants_are_distinct_utc_instants():
    assert len(set(INSTANTS)) == len(INSTANTS)
    assert INSTANTS[22] == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert INSTANTS[23] == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)  # 02:30 CET


# --- the vocabulary itself -----------------------------------------------------------------


def test_hours_of_each_period():
    assert [(p.name, p.start, p.end) for p in timeofday.PERIODS] == [
        ("day", 7, 18),
        ("evening", 18, 22),
        ("night", 22, 7),
    ]
    assert timeofday.period("day").hours == tuple(range(7, 18))
    assert timeofday.period("evening").hours == (18, 19, 20, 21)
    assert timeofday.period("night").hours == (22, 23, 0, 1, 2, 3, 4, 5, 6)
    assert timeofday.period("night").span == (22, 31)
    assert timeofday.period("day").span == (7, 18)
    assert timeofday.period("night").wraps and not timeofday.period("evening").wraps


def test_period_of_hour_covers_the_clock_once():
    got = [timeofday.period_of_hour(h) for h in range(24)]
    assert got == ["night"] * 7 + ["day"] * 11 + ["evening"] * 4 + ["night"] * 2
    assert timeofday.period_of_hour(np.int64(7)) == "day"
    for bad in (-1, 24, 7.5, "7", True, None):
        with pytest.raises(ValueError, match="hour"):
            timeofday.period_of_hour(bad)


def test_period_names_and_errors():
    assert timeofday.NAMES == ("day", "evening", "night")
    with pytest.raises(ValueError, match="day, evening, night"):
        timeofday.period("dusk")
    with pytest.raises(ValueError, match="Mars/Olympus"):
        timeofday.zone("Mars/Olympus")


def test_when_unsafe_is_the_translated_vocabulary():
    assert tuple(WhenUnsafe.values) == timeofday.NAMES
    with translation.override("sv"):
        assert [str(label) for label in WhenUnsafe.labels] == ["Dag", "Kväll", "Natt"]
    with translation.override("en"):
        assert [str(label) for label in WhenUnsafe.labels] == ["Day", "Evening", "Night"]


def test_period_of_one_instant():
    assert [timeofday.period_of(t, TZ) for t in INSTANTS] == EXPECTED
    # The zone decides: 17:30 UTC in January is evening in Stockholm, day in London.
    instant = datetime(2024, 1, 15, 17, 30, tzinfo=UTC)
    assert timeofday.period_of(instant, "Europe/London") == "day"
    assert timeofday.period_of(instant, TZ) == "evening"
    with pytest.raises(ValueError, match="timezone-aware"):
        timeofday.period_of(datetime(2024, 1, 15, 12), TZ)
    with pytest.raises(ValueError, match="Nowhere/Zone"):
        timeofday.period_of(instant, "Nowhere/Zone")


def test_periods_of_reads_every_kind_of_instant():
    aware = pd.Series(INSTANTS).dt.tz_convert(TZ)
    assert timeofday.periods_of(aware, TZ).tolist() == EXPECTED
    assert timeofday.periods_of(pd.DatetimeIndex(INSTANTS), TZ).tolist() == EXPECTED
    assert timeofday.periods_of(INSTANTS, TZ).tolist() == EXPECTED
    naive_utc = np.array([t.replace(tzinfo=None) for t in INSTANTS], dtype="datetime64[ns]")
    assert timeofday.periods_of(naive_utc, TZ).tolist() == EXPECTED
    with_nat = pd.Series([INSTANTS[1], pd.NaT], dtype="datetime64[ns, UTC]")
    assert timeofday.periods_of(with_nat, TZ).tolist() == ["day", None]
    assert timeofday.periods_of([], TZ).tolist() == []
    assert timeofday.periods_of(pd.Series([], dtype="datetime64[ns, UTC]"), TZ).dtype == object
    with pytest.raises(ValueError, match="Nowhere/Zone"):
        timeofday.periods_of(INSTANTS, "Nowhere/Zone")


def test_case_sql_is_parameterised():
    sql, params = timeofday.period_case_sql("i.occurred_at", TZ)
    assert TZ not in sql and "'day'" not in sql
    assert sql.count("%s") == len(params)
    assert params.count(TZ) == 6 and {"day", "evening", "night"} <= set(params)
    for bad in ("occurred_at; DROP TABLE x", "now()", "a.b.c", "", "1x"):
        with pytest.raises(ValueError, match="column"):
            timeofday.period_case_sql(bad, TZ)
    with pytest.raises(ValueError, match="Nowhere/Zone"):
        timeofday.period_case_sql("at", "Nowhere/Zone")


def test_local_instant_reads_the_wall_clock():
    day = date(2024, 3, 30)
    assert timeofday.local_instant(day, 7.5, TZ) == _local("2024-03-30 07:30").astimezone(UTC)
    # past midnight into the day of the clock change: 01:30 CET then 04:30 CEST
    assert timeofday.local_instant(day, 25.5, TZ) == datetime(2024, 3, 31, 0, 30, tzinfo=UTC)
    assert timeofday.local_instant(day, 28.5, TZ) == datetime(2024, 3, 31, 2, 30, tzinfo=UTC)
    # 02:30 does not exist that night; it is read as 03:30 CEST, still night
    skipped = timeofday.local_instant(day, 26.5, TZ)
    assert skipped == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert timeofday.period_of(skipped, TZ) == "night"
    assert timeofday.local_instant(day, 30.999, TZ).astimezone(STOCKHOLM).hour == 6


# --- every consumer bins the edge instants alike ---------------------------------------------


@pytest.fixture
def stockholm(settings):
    """The installation's zone for the consumers that read settings.TIME_ZONE."""
    settings.TIME_ZONE = TZ
    return TZ


@pytest.fixture
def edge_incidents(demo):
    """A municipality of its own (the demo's boundary) with one incident at each edge instant."""
    from gis.core.models import Municipality
    from layers.models import Incident

    municipality = Municipality.objects.create(
        code="tod-edges", name="Time-of-day edges", boundary=demo.boundary
    )
    point = demo.boundary.point_on_surface
    ids = []
    for number, instant in enumerate(INSTANTS):
        incident = Incident.objects.create(
            municipality=municipality,
            type="other",
            reported_by="police",
            occurred_at=instant,
            geom=point,
            source="edge-test",
            source_id=f"edge-{number}",
        )
        ids.append(incident.pk)
    return municipality, ids


def test_dashboard_sql_expression_over_the_values(db, stockholm):
    from gis.dashboard.filters import incident_tod_sql

    sql, params = incident_tod_sql("v.at")
    rows = ", ".join(["(%s::int, %s::timestamptz)"] * len(INSTANTS))
    values = [x for number, t in enumerate(INSTANTS) for x in (number, t)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.n, {sql} FROM (VALUES {rows}) AS v(n, at) ORDER BY v.n",
            [*params, *values],
        )
        got = [tod for _, tod in cursor.fetchall()]
    assert got == EXPECTED


def test_dashboard_filter_sql_on_stored_incidents(stockholm, edge_incidents):
    from gis.dashboard.filters import Filters, reports_sql

    municipality, ids = edge_incidents

    def tods(**filters) -> dict[int, str]:
        sql, params = reports_sql(
            Filters(municipality_id=municipality.pk, sources=("incident",), **filters)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, tod FROM ({sql}) AS r", params)
            return dict(cursor.fetchall())

    assert [tods()[pk] for pk in ids] == EXPECTED
    for name in timeofday.NAMES:
        chosen = tods(times=(name,))
        assert sorted(chosen) == sorted(
            pk for pk, p in zip(ids, EXPECTED, strict=True) if p == name
        )


def test_hotspot_selection_bins_stored_incidents(stockholm, edge_incidents):
    from gis.hotspots.selection import ReportSelection, incident_when, select_reports

    municipality, ids = edge_incidents
    reports = select_reports(municipality, ReportSelection(sources=("incident",)))
    when = dict(zip(reports["source_id"], reports["when"], strict=True))
    assert [when[pk] for pk in ids] == EXPECTED
    evening = select_reports(municipality, ReportSelection(when=("evening",)))
    assert sorted(evening["source_id"]) == sorted(
        pk for pk, p in zip(ids, EXPECTED, strict=True) if p == "evening"
    )
    assert incident_when(pd.Series(INSTANTS)).tolist() == EXPECTED


def test_priority_day_and_not_day(stockholm):
    from gis.priority.demand import report_items
    from gis.priority.params import PriorityParams
    from tests.priority._builders import frame, pt

    incidents = frame("incidents", [{"geometry": pt(0, 0), "occurred_at": t} for t in INSTANTS])
    items, excluded = report_items(
        frame("pins", []),
        frame("findings", []),
        incidents,
        as_of=pd.Timestamp("2025-01-01T00:00", tz="UTC"),
        params=PriorityParams(timezone=stockholm, half_life_days=1e9),
    )
    assert len(excluded) == 0
    period = dict(zip(items["source_id"], items["period"], strict=True))
    got = [period[number] for number in range(1, len(INSTANTS) + 1)]
    assert got == ["day" if p == "day" else "night" for p in EXPECTED]


def test_priority_has_no_hours_of_its_own():
    import dataclasses

    from gis.priority.params import PriorityParams

    names = {f.name for f in dataclasses.fields(PriorityParams)}
    assert not any("hour" in name for name in names)
    with pytest.raises(TypeError):
        PriorityParams(day_hours=(8, 17))


def test_open311_when_unsafe_at(stockholm):
    from walks.open311 import when_unsafe_at

    assert [when_unsafe_at(t) for t in INSTANTS] == EXPECTED
    assert when_unsafe_at() in timeofday.NAMES  # now


@pytest.mark.parametrize(
    "now",
    [
        datetime(2024, 4, 2, 5, 0, tzinfo=UTC),  # March (spring forward), then 1 April so far
        datetime(2024, 11, 2, 5, 0, tzinfo=UTC),  # October (fall back), then 1 November so far
        datetime(2024, 1, 20, 5, 0, tzinfo=UTC),
    ],
)
def test_demo_clock_draws_instants_in_their_period(now):
    from gis.demo.generate import _Clock, month_starts

    starts = month_starts(now, months=2)
    ends = [starts[1], now]
    clock = _Clock(np.random.default_rng(7), starts, ends, TZ)
    one_day = pd.Timedelta(days=1)
    for name in timeofday.NAMES:
        for month in (0, 1):
            drawn = [clock.at(month, name) for _ in range(300)]
            assert set(timeofday.periods_of(drawn, TZ)) == {name}
            # a night drawn on the last day of a month runs into the next morning; the
            # current month's instants lie in the past, at worst on the day before it began
            assert starts[month] - one_day <= min(drawn)
            assert max(drawn) < (ends[month] + one_day if month == 0 else now)


def test_demo_pins_are_dated_in_the_period_they_say(demo):
    """The loaded demo's pins: their date, read by the dashboard's SQL, is the period they say
    (both the generator and the dashboard use settings.TIME_ZONE)."""
    from gis.dashboard.filters import incident_tod_sql
    from walks.models import ResidentPin

    sql, params = incident_tod_sql("p.reported_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.when, {sql} AS tod, count(*) FROM {ResidentPin._meta.db_table} p "
            "WHERE p.municipality_id = %s GROUP BY 1, 2",
            [*params, demo.pk],
        )
        rows = cursor.fetchall()
    assert sum(n for *_, n in rows) > 1000
    assert {(when, tod) for when, tod, _ in rows} == {(n, n) for n in timeofday.NAMES}

"""The follow-up of a presence measure on constructed data with known answers: the pure engine
(gis.priority.presence_followup) and the same through the database (gis.presence.measures)."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import pytest
import shapely

from gis.priority.presence_followup import comparison_ring, measure_area, presence_followup

UTC = dt.UTC
START = dt.datetime(2020, 3, 2, tzinfo=UTC)
END = dt.datetime(2020, 4, 27, tzinfo=UTC)  # eight weeks
LENGTH = END - START


def _incidents(plan: list[tuple[int, float, float, dt.datetime, dt.datetime]]):
    """`n` incidents at (x, y) spread evenly over [t0, t1)."""
    rows = []
    for n, x, y, t0, t1 in plan:
        for k in range(n):
            rows.append(
                {
                    "id": len(rows) + 1,
                    "type": "vandalism",
                    "source": "police",
                    "occurred_at": t0 + (t1 - t0) * (k + 0.5) / n,
                    "geometry": shapely.Point(x, y),
                }
            )
    return gpd.GeoDataFrame(rows, crs=3006)


def _planted(area_before, area_during, ring_before, ring_during):
    before = START - LENGTH
    return _incidents(
        [
            (area_before, 0, 0, before, START),
            (area_during, 20, 0, START, END),
            (ring_before, 400, 0, before, START),
            (ring_during, 0, -450, START, END),
            (30, 3000, 0, before, END),  # far away: in neither area
        ]
    )


def test_a_drop_in_the_area_with_a_steady_comparison_area_is_found():
    result = presence_followup(
        shapely.Point(0, 0), START, END, incidents=_planted(40, 15, 40, 42), radius_m=150
    )
    assert (result.area_before, result.area_during) == (40, 15)
    assert (result.comparison_before, result.comparison_during) == (40, 42)
    assert result.weeks == pytest.approx(8.0)
    expected = (15 / 40) / (42 / 40)
    assert result.ratio == pytest.approx(expected)
    se = math.sqrt(1 / 40 + 1 / 15 + 1 / 40 + 1 / 42)
    assert result.ci_low == pytest.approx(expected * math.exp(-1.959964 * se), rel=1e-5)
    assert result.ci_high == pytest.approx(expected * math.exp(1.959964 * se), rel=1e-5)
    assert result.ci_high < 1
    assert result.area_change == pytest.approx(-0.625)
    assert result.comparison_change == pytest.approx(0.05)


def test_no_change_gives_an_interval_around_one():
    result = presence_followup(
        shapely.Point(0, 0), START, END, incidents=_planted(30, 30, 30, 30), radius_m=150
    )
    assert result.ratio == pytest.approx(1.0)
    assert result.ci_low < 1 < result.ci_high


def test_too_little_data_gives_no_ratio():
    result = presence_followup(
        shapely.Point(0, 0), START, END, incidents=_planted(4, 1, 40, 40), radius_m=150
    )
    assert result.too_little_data
    assert result.ratio is None and result.ci_low is None and result.ci_high is None
    assert (result.area_before, result.area_during) == (4, 1)
    assert result.as_dict()["too_little_data"] is True


def test_a_period_not_over_yet_shortens_both_windows():
    as_of = START + dt.timedelta(days=14)
    result = presence_followup(
        shapely.Point(0, 0), START, END, incidents=_planted(40, 15, 40, 42), as_of=as_of
    )
    assert result.during == (START, as_of)
    assert result.before == (START - dt.timedelta(days=14), START)
    assert result.weeks == pytest.approx(2.0)


def test_a_polygon_area_and_its_ring():
    square = shapely.box(-100, -100, 100, 100)
    assert measure_area(square) is square
    ring = comparison_ring(square, 500)
    assert not shapely.intersects(ring, shapely.Point(0, 0))
    assert shapely.intersects(ring, shapely.Point(400, 0))
    assert measure_area(shapely.Point(0, 0), 100).area == pytest.approx(math.pi * 100**2, rel=0.01)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": START}, "end must be after start"),
        ({"min_count": 0}, "min_count"),
        ({"radius_m": -1}, "radius_m"),
        ({"ring_m": 0}, "ring_m"),
        ({"as_of": START - dt.timedelta(days=1)}, "as_of"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    args = {"end": END, **kwargs}
    with pytest.raises(ValueError, match=message):
        presence_followup(shapely.Point(0, 0), START, incidents=_planted(5, 5, 5, 5), **args)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        presence_followup(
            shapely.Point(0, 0), START.replace(tzinfo=None), END, incidents=_planted(5, 5, 5, 5)
        )


# --- through the database ----------------------------------------------------------------------


def test_the_measures_follow_up_from_the_database(demo):
    """Incidents planted in 2020 (the demo's data is recent) around a point of the demo."""
    from django.conf import settings
    from django.contrib.gis.geos import Point

    from gis.presence import measures
    from gis.presence.models import PresenceMeasure
    from layers.models import Incident

    centre = demo.boundary.point_on_surface
    start = dt.date(2020, 3, 2)
    end = dt.date(2020, 4, 26)
    measure = PresenceMeasure.objects.create(
        municipality=demo,
        kind="night_walking",
        title="Nattvandring vid torget",
        geom=centre,
        radius_m=150,
        starts_on=start,
        ends_on=end,
        status="done",
    )
    begin, finish = measures.period(measure)
    before = begin - (finish - begin)
    planted = _planted(40, 15, 40, 42)
    for row in planted.itertuples():
        t = row.occurred_at
        # Shift the constructed timeline onto the measure's local period.
        t = begin + (t - START) if t >= START else before + (t - (START - LENGTH))
        Incident.objects.create(
            municipality=demo,
            type="vandalism",
            reported_by="police",
            occurred_at=t,
            geom=Point(
                centre.x + row.geometry.x, centre.y + row.geometry.y, srid=settings.TRYGG_SRID
            ),
        )
    result = measures.followup(measure, as_of=finish + dt.timedelta(days=30))
    assert (result.area_before, result.area_during) == (40, 15)
    assert (result.comparison_before, result.comparison_during) == (40, 42)
    assert result.ci_high < 1
    words = measures.in_words(result)
    assert "−62 %" in words and "+5 %" in words
    assert measures.verdict(result) == "fewer"
    assert measures.followup(measure, as_of=begin - dt.timedelta(days=1)) is None

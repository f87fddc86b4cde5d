"""An incident's time for people (gis.core.timespan): a moment, a span within a day, a span past
midnight, a span on the nights the clocks change (Europe/Stockholm 2026: spring forward 29 March
02:00 -> 03:00, fall back 25 October 03:00 -> 02:00), in Swedish and English."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from gis.core.timespan import format_span

TZ = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(TZ)


def _local(text: str, fold: int = 0) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM, fold=fold)


@pytest.fixture(autouse=True)
def swedish():
    with translation.override("sv"):
        yield


def test_a_moment_is_its_start_alone():
    assert format_span(_local("2026-03-12 22:00"), None, TZ) == "12 mars 2026 22:00"
    same = _local("2026-03-12 22:00")
    assert format_span(same, same, TZ) == "12 mars 2026 22:00"


def test_a_span_within_one_day():
    start, end = _local("2026-03-12 22:00"), _local("2026-03-12 23:30")
    assert format_span(start, end, TZ) == "12 mars 2026 22:00–23:30"


def test_a_span_past_midnight_names_the_first_day_only():
    start, end = _local("2026-03-12 22:00"), _local("2026-03-13 06:00")
    assert format_span(start, end, TZ) == "12 mars 2026 22:00–06:00"


def test_a_longer_span_names_both_days():
    start, end = _local("2026-03-12 10:00"), _local("2026-03-13 12:00")
    assert format_span(start, end, TZ) == "12 mars 2026 10:00 – 13 mars 2026 12:00"
    start, end = _local("2026-03-12 22:00"), _local("2026-03-14 06:00")
    assert format_span(start, end, TZ) == "12 mars 2026 22:00 – 14 mars 2026 06:00"


def test_the_local_clock_is_shown_whatever_the_zone_of_the_instants():
    # 21:00-05:00 UTC is 22:00-06:00 in Stockholm in winter
    start, end = datetime(2026, 3, 12, 21, tzinfo=UTC), datetime(2026, 3, 13, 5, tzinfo=UTC)
    assert format_span(start, end, TZ) == "12 mars 2026 22:00–06:00"
    assert format_span(start, end, "UTC") == "12 mars 2026 21:00–05:00"
    later = datetime(2026, 3, 13, 23, tzinfo=UTC)  # 00:00 on the 14th in Stockholm
    assert format_span(start, later, TZ) == "12 mars 2026 22:00 – 14 mars 2026 00:00"


def test_the_installation_zone_is_the_default(settings):
    settings.TIME_ZONE = TZ
    start = datetime(2026, 3, 12, 23, 30, tzinfo=UTC)  # 00:30 the next day in Stockholm
    assert format_span(start) == "13 mars 2026 00:30"


def test_spring_forward_night():
    # 22:00 CET to 06:00 CEST: seven hours, shown as the clocks on the wall said
    start, end = _local("2026-03-28 22:00"), _local("2026-03-29 06:00")
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 7 * 3600
    assert format_span(start.astimezone(UTC), end.astimezone(UTC), TZ) == (
        "28 mars 2026 22:00–06:00"
    )


def test_fall_back_night():
    start, end = _local("2026-10-24 22:00"), _local("2026-10-25 06:00")
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 9 * 3600
    assert format_span(start.astimezone(UTC), end.astimezone(UTC), TZ) == (
        "24 oktober 2026 22:00–06:00"
    )


def test_fall_back_span_that_ends_earlier_on_the_clock_the_same_day_shows_the_zones():
    start = _local("2026-10-25 02:30", fold=0).astimezone(UTC)  # 00:30 UTC, summer time
    end = _local("2026-10-25 02:15", fold=1).astimezone(UTC)  # 01:15 UTC, winter time
    assert end > start
    assert format_span(start, end, TZ) == "25 oktober 2026 02:30 CEST–02:15 CET"


def test_english_month_names():
    start, end = _local("2026-03-12 22:00"), _local("2026-03-13 06:00")
    with translation.override("en"):
        assert format_span(start, end, TZ) == "12 March 2026 22:00–06:00"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (datetime(2026, 3, 12, 22), None, "start must be a timezone-aware"),
        (_local("2026-03-12 22:00"), datetime(2026, 3, 13, 6), "end must be a timezone-aware"),
        (_local("2026-03-12 22:00"), _local("2026-03-12 21:00"), "lies before start"),
        ("2026-03-12", None, "start must be"),
    ],
)
def test_bad_instants_are_refused(start, end, message):
    with pytest.raises(ValueError, match=message):
        format_span(start, end, TZ)


def test_unknown_zone_is_named():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        format_span(_local("2026-03-12 22:00"), None, "Mars/Olympus")

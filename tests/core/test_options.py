"""The command-line options the management commands share (gis.core.options); no database."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management.base import CommandError

from gis.core.options import moment_option, number_option, option_error

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_numbers_and_their_errors():
    assert number_option("--top", "7", integer=True) == 7
    assert number_option("--alpha", "0.05") == 0.05
    assert number_option("--alpha", None) is None
    with pytest.raises(CommandError, match=r"^--top must be an integer, got '7.5'$"):
        number_option("--top", "7.5", integer=True)
    with pytest.raises(CommandError, match=r"^--alpha must be a number, got 'low'$"):
        number_option("--alpha", "low")


def test_a_date_is_the_start_or_the_end_of_the_local_day():
    start = moment_option("--since", "2024-03-31", zone=STOCKHOLM)
    end = moment_option("--until", "2024-03-31", end_of_day=True, zone=STOCKHOLM)
    assert start == datetime(2024, 3, 30, 23, 0, tzinfo=UTC)  # CET, before the change
    assert end == datetime(2024, 3, 31, 22, 0, tzinfo=UTC)  # CEST, after it
    assert moment_option("--since", None) is None


def test_datetimes_are_local_unless_they_carry_an_offset():
    naive = moment_option("--end", "2024-07-01T12:00", zone=STOCKHOLM)
    aware = moment_option("--end", "2024-07-01T12:00+00:00", zone=STOCKHOLM)
    assert naive == datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
    assert aware == datetime(2024, 7, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2024-02-30", "yesterday", "2024-13-01T00:00"])
def test_a_bad_moment_names_its_option(value):
    with pytest.raises(CommandError) as error:
        moment_option("--as-of", value)
    assert str(error.value) == (
        f"--as-of must be a date (YYYY-MM-DD) or ISO datetime, got {value!r}"
    )


def test_engine_errors_speak_of_options():
    options = {"half_life_days": "--half-life", "months": "--months"}
    assert str(option_error(ValueError("half_life_days must be > 0, got -5"), options)) == (
        "--half-life must be > 0, got -5"
    )
    # Only a whole leading parameter name is replaced, and only the first line is kept.
    assert str(option_error(ValueError("monthsx is odd\ndetails"), options)) == "monthsx is odd"

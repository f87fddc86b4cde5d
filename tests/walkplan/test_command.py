"""`trygg plan-walk` against the real PostGIS: the issue's JSON, a readable listing, and one-line
errors naming the option."""

from __future__ import annotations

import io
import json
import os

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests._cli import trygg
from tests.walkplan.conftest import DISTRICT, lonlat_of

pytestmark = pytest.mark.django_db

BASE = ("--municipality", "demo-helsinki", "--district", DISTRICT, "--minutes", "60")


def plan_walk(*args: str) -> str:
    out = io.StringIO()
    call_command("plan_walk", *args, stdout=out)
    return out.getvalue()


def test_the_json_is_the_issues_shape(demo, district):
    start = ",".join(str(c) for c in lonlat_of(district.geom.point_on_surface))
    data = json.loads(plan_walk(*BASE, "--time-of-day", "evening", "--start", start, "--json"))
    assert {"route", "stops", "length_m", "minutes"} <= set(data)
    assert data["route"]["type"] == "LineString"
    assert all(len(c) == 2 for c in data["route"]["coordinates"])
    assert data["stops"] and data["minutes"] <= 60 and data["length_m"] > 0
    for stop in data["stops"]:
        assert {"kind", "id", "lon", "lat", "why"} <= set(stop)
        assert stop["kind"] in {"pin", "finding", "hotspot", "fix", "campaign"}
    assert data["inputs"]["start"] == [float(c) for c in start.split(",")]
    again = json.loads(plan_walk(*BASE, "--time-of-day", "evening", "--start", start, "--json"))
    assert again == data


def test_the_listing_numbers_the_stops(demo):
    text = plan_walk(*BASE, "--time-of-day", "night", "--pace", "3")
    lines = text.splitlines()
    assert lines[0].startswith(f"{DISTRICT}: night, 60 minutes at 3 km/h")
    assert lines[1].startswith(" 1. [")
    assert " stops of " in lines[-1] and lines[-1].rstrip().endswith("at the stops)")


#: A bad option with its value, and how the error starts.
BAD = {
    "--district Ingenstans": "--district: ",
    "--start 24.9;60.1": "--start must be LON,LAT",
    "--start 24.9": "--start must be LON,LAT",
    "--end 18.07,59.33": "--end: ",
    "--minutes lång": "--minutes must be a number",
    "--minutes 5": "--minutes: ",
    "--pace 20": "--pace: ",
    "--municipality nowhere": "--municipality must be one of",
}


@pytest.mark.parametrize(("given", "start"), BAD.items())
def test_bad_input_is_one_line_naming_the_option(demo, given, start):
    args = given.split()
    options = dict(zip(BASE[::2], BASE[1::2], strict=True))
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [item for pair in options.items() for item in pair]
    with pytest.raises(CommandError) as error:
        plan_walk(*flat, "--time-of-day", "evening")
    message = str(error.value)
    assert message.startswith(start) and "\n" not in message
    if args[0] == "--district":
        assert "Ingenstans" in message


def test_the_trygg_command_exits_with_the_error(demo, test_database_name):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
        "TRYGG_DB_NAME": test_database_name,
        "TRYGG_DEFAULT_SRID": str(settings.TRYGG_SRID),
    }
    bad = trygg(
        "plan-walk",
        *BASE[:2],
        "--district",
        "Ingenstans",
        *BASE[4:],
        "--time-of-day",
        "evening",
        env=env,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("CommandError: --district")
    missing = trygg("plan-walk", *BASE, env=env)
    assert missing.returncode == 2 and "--time-of-day" in missing.stderr

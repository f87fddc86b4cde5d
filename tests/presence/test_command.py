"""`trygg presence resource add|remove|list` and `trygg presence plan` against the real PostGIS:
idempotent resources, one-line errors naming the option, the plan's JSON."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command

from gis.presence.models import PresencePlan, PresenceResource
from tests._cli import trygg

pytestmark = pytest.mark.django_db

ADD = (
    "resource",
    "add",
    "--municipality",
    "demo-helsinki",
    "--name",
    "Nattpolisen",
    "--actor",
    "police",
    "--mode",
    "car",
    "--days",
    "fri,sat",
    "--from",
    "20:00",
    "--to",
    "03:00",
)


def presence(*args: str) -> str:
    out = io.StringIO()
    call_command("presence", *args, stdout=out)
    return out.getvalue()


def test_adding_a_resource_twice_updates_it(demo):
    assert presence(*ADD).startswith("added Nattpolisen (police, car) fri,sat 20:00-03:00")
    again = presence(*ADD[:-1], "02:00", "--teams", "2")
    assert again.startswith("updated Nattpolisen")
    resource = PresenceResource.objects.get(municipality=demo, name="Nattpolisen")
    assert resource.teams == 2 and resource.shift_end.hour == 2
    assert resource.team_names() == ["Nattpolisen 1", "Nattpolisen 2"]
    rows = json.loads(presence("resource", "list", "--municipality", "demo-helsinki", "--json"))
    (row,) = [row for row in rows if row["name"] == "Nattpolisen"]
    assert row["name"] == "Nattpolisen" and row["days"] == ["fri", "sat"] and row["to"] == "02:00"
    assert presence(
        "resource", "remove", "--municipality", "demo-helsinki", "--name", "Nattpolisen"
    )
    assert not PresenceResource.objects.filter(name="Nattpolisen").exists()
    with pytest.raises(CommandError, match=r"^--name: no presence resource 'Nattpolisen'"):
        presence("resource", "remove", "--municipality", "demo-helsinki", "--name", "Nattpolisen")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--actor", "army"),
        ("--mode", "horse"),
        ("--days", "fri,fun"),
        ("--from", "25:00"),
        ("--to", "8"),
        ("--teams", "0"),
        ("--teams", "many"),
    ],
)
def test_bad_input_is_one_line_naming_the_option(demo, option, value):
    args = list(ADD)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    with pytest.raises(CommandError) as error:
        presence(*args)
    assert str(error.value).startswith(option) and "\n" not in str(error.value)
    assert not PresenceResource.objects.filter(name="Nattpolisen").exists()


def test_plan_prints_the_week_as_json(demo):
    presence(*ADD)
    result = json.loads(
        presence("plan", "--municipality", "demo-helsinki", "--week", "2026-W49", "--json")
    )
    assert set(result) == {"week", "teams"} and result["week"] == "2026-W49"
    (team,) = [t for t in result["teams"] if t["name"] == "Nattpolisen"]
    assert team["actor"] == "police" and team["visits"]
    for visit in team["visits"]:
        assert {"start", "end", "lon", "lat", "place", "reason"} <= set(visit)
        start, end = datetime.fromisoformat(visit["start"]), datetime.fromisoformat(visit["end"])
        assert start.utcoffset() is not None and 10 * 60 <= (end - start).seconds <= 15 * 60
        assert start.weekday() in (4, 5, 6)
    assert PresencePlan.objects.filter(municipality=demo, week="2026-W49").exists()
    text = presence("plan", "--municipality", "demo-helsinki", "--week", "2026-W49", "--seed", "7")
    assert "Nattpolisen (police)" in text
    with pytest.raises(CommandError, match=r"^--week: week must be an ISO week"):
        presence("plan", "--municipality", "demo-helsinki", "--week", "2026-49")
    with pytest.raises(CommandError, match=r"^--seed must be an integer"):
        presence("plan", "--municipality", "demo-helsinki", "--week", "2026-W49", "--seed", "x")


def test_exit_codes_of_the_command_line(test_database_name):
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gis.settings.test",
        "TRYGG_DB_NAME": test_database_name,
        "TRYGG_DEFAULT_SRID": str(settings.TRYGG_SRID),
    }
    bad = trygg("presence", "resource", "add", *ADD[2:6], "--actor", "army", *ADD[8:], env=env)
    assert bad.returncode == 1 and bad.stderr.strip().splitlines()[-1].startswith(
        "CommandError: --actor"
    )
    missing = trygg("presence", "plan", "--municipality", "demo-helsinki", env=env)
    assert missing.returncode == 2 and "--week" in missing.stderr

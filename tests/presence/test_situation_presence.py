"""The situation picture's presence section: visits planned against done per partner and
actor in the period, the follow-up of the visits ("too little data" with few visits), on the
page and in the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import QueryDict
from django.test import Client
from django.utils import translation

from gis.dashboard.filters import parse_filters
from gis.dashboard.situation import build_situation, to_csv
from gis.dashboard.situation_presence import presence_section
from tests.presence.conftest import make_visit

PERIOD = "from=2026-09-01&to=2026-09-14"


def _at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 9, day, hour, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _plant(presence):
    """In the period: guards 3 planned (2 done, 1 not done), night walkers 2 (1 done, 1 not
    logged); outside it: one of each, done."""
    plan, guards, walkers = presence.plan, presence.guard_resource, presence.walker_resource
    for day, outcome in ((4, "done"), (5, "done"), (11, "not_done")):
        make_visit(plan, guards, _at(day, 22), outcome=outcome)
    make_visit(plan, walkers, _at(5, 23), outcome="done")
    make_visit(plan, walkers, _at(12, 21))
    make_visit(plan, guards, _at(15, 22), outcome="done")  # after the period
    make_visit(plan, walkers, _at(1, 0) - dt.timedelta(hours=1), outcome="done")  # before


def _situation(presence):
    query = QueryDict(f"{PERIOD}&municipality={presence.here.code}")
    return build_situation(parse_filters(query, default_days=14))


def test_planned_against_done_per_partner(presence):
    _plant(presence)
    with translation.override("sv"):
        section = presence_section(_situation(presence))
    rows = {(r.partner, r.actor): r for r in section.rows}
    guards = rows[("Vaktbolaget", "Väktare")]
    walkers = rows[("Nattvandrarna", "Nattvandrare")]
    assert (guards.planned, guards.done, guards.not_done, guards.not_logged) == (3, 2, 1, 0)
    assert (walkers.planned, walkers.done, walkers.not_done, walkers.not_logged) == (2, 1, 0, 1)
    total = section.total
    assert (total.planned, total.done, total.not_done, total.not_logged) == (5, 3, 1, 1)
    # Three visits done: far fewer than the follow-up needs.
    assert section.effect.visits == 3 and not section.effect.enough
    assert section.effect.rate_ratio is None and "fewer than 20 visits" in section.effect.reason


def test_the_section_on_the_page_and_in_the_csv(presence):
    _plant(presence)
    client = Client()
    client.force_login(presence.coordinator)
    page = client.get(f"/dashboard/lagesbild/?{PERIOD}&municipality={presence.here.code}")
    text = page.content.decode()
    assert page.status_code == 200 and 'id="presence-section"' in text
    assert "Närvaro: planerat och gjort" in text and "för lite data" in text
    assert 'data-presence="total"' in text
    with translation.override("sv"):
        rows = list(csv.reader(io.StringIO(to_csv(_situation(presence)))))
    planned = {(r[2], r[3]): r[4] for r in rows if r[0] == "presence_visits"}
    assert planned[("Vaktbolaget, Väktare", "done")] == "2"
    assert planned[("Alla partner", "not_logged")] == "1"
    followup = {r[3]: r[4] for r in rows if r[0] == "presence_followup"}
    assert followup["visits"] == "3" and followup["enough"] == "False"
    assert followup["rate_ratio"] == ""


def test_nothing_planned_says_so(presence):
    client = Client()
    client.force_login(presence.coordinator)
    page = client.get(f"/dashboard/lagesbild/?{PERIOD}&municipality={presence.here.code}")
    assert "Inga närvarobesök var planerade under perioden." in page.content.decode()

"""Fix pages after analysis runs whose stored JSON (summary, reasons) an older version wrote
or left incomplete: the page answers 200, showing what is there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from gis.hotspots.models import AnalysisRun
from tests.dashboard.conftest import add_fixes

SUMMARIES = [
    {},
    {"risk": None},
    {"risk": [{}]},
    {"risk": [{"covariate": "under_lit"}]},
    {"risk": "not a list"},
    {"risk": [None, 3, "x"]},
    {"fixes": None},
    [],
    "text",
]


@pytest.fixture
def planner(client, demo):
    user = User.objects.create_user("stored-json-planner")
    user.groups.add(Group.objects.get(name="planner"))
    demo.staff.add(user)
    client.force_login(user)
    return client


@pytest.mark.parametrize("summary", SUMMARIES)
def test_fix_page_after_a_run_with_an_old_summary(planner, demo, summary):
    run = AnalysisRun.objects.create(municipality=demo, kind="prioritise", summary=summary)
    [fix, *_] = add_fixes(demo, "stored-json")
    fix.run = run
    fix.save(update_fields=["run"])
    response = planner.get(f"/en/fixes/{fix.pk}/")
    assert response.status_code == 200
    assert planner.get("/en/fixes/").status_code == 200

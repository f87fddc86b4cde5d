"""EST partners in the dashboard: the `partner` filter, the situation picture's incidents by
partner, and incident descriptions that a partner's people read only of their own partner."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict

from gis.core.partners import Partner
from gis.dashboard.filters import FilterError, parse_filters
from gis.dashboard.situation import build_situation, to_csv
from layers.models import Incident

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
PERIOD = "from=2026-09-01&to=2026-10-31"
AT = datetime(2026, 10, 10, 22, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.fixture
def reported(demo) -> dict:
    """Two partners; the police reported three incidents, the guards one."""
    police = Partner.objects.create(municipality=demo, name="Polisen", kind="police")
    guards = Partner.objects.create(municipality=demo, name="Vakterna", kind="security_company")
    point = demo.boundary.point_on_surface
    made = {}
    for partner, n, words in ((police, 3, "Polisens anteckning"), (guards, 1, "Vaktens notis")):
        for i in range(n):
            made.setdefault(partner.name, []).append(
                Incident.objects.create(
                    municipality=demo,
                    partner=partner,
                    source=partner.source,
                    source_id=f"x{i}",
                    type="vandalism",
                    reported_by="police",
                    occurred_at=AT,
                    description=words,
                    geom=point,
                )
            )
    return {"police": police, "guards": guards, "incidents": made}


def situation_for(query: str):
    return build_situation(parse_filters(QueryDict(query), default_days=14))


def test_the_partner_filter_keeps_a_partners_incidents_or_the_municipalitys_own(demo, reported):
    police, guards = reported["police"], reported["guards"]
    everything = situation_for(PERIOD)
    of_police = situation_for(f"{PERIOD}&partner={police.pk}")
    own = situation_for(f"{PERIOD}&partner=none")
    both = situation_for(f"{PERIOD}&partner={police.pk},{guards.pk}")
    assert of_police.total.current == 3 and both.total.current == 4
    assert own.total.current == everything.total.current - 4
    walk_row = next(r for r in of_police.by_source if r.key == "walk")
    assert walk_row.current == 0  # findings have no partner


def test_the_situation_counts_incidents_by_partner(demo, reported):
    police = reported["police"]
    situation = situation_for(PERIOD)
    rows = {row.key: row for row in situation.by_partner}
    assert rows[str(police.pk)].current == 3 and rows[str(reported["guards"].pk)].current == 1
    all_incidents = next(r for r in situation.by_source if r.key == "incident").current
    assert rows["none"].current == all_incidents - 4
    assert "incidents_by_partner" in to_csv(situation)


def test_an_unknown_or_malformed_partner_is_a_filter_error(demo, reported):
    with pytest.raises(FilterError) as error:
        parse_filters(QueryDict("partner=999999"))
    assert error.value.param == "partner"
    with pytest.raises(FilterError):
        parse_filters(QueryDict("partner=polisen"))


def test_the_filter_is_checked_by_the_api_and_shown_on_the_pages(client, user_of, reported):
    user = user_of("planner")
    assert client.login(username=user.username, password=PASSWORD)
    bad = client.get("/api/dashboard/counts/?partner=abc")
    assert bad.status_code == 400 and "partner" in bad.json()
    counts = client.get(f"/api/dashboard/counts/?{PERIOD}&partner={reported['police'].pk}")
    assert counts.status_code == 200 and counts.json()["total"] == 3
    page = client.get(f"/en/dashboard/lagesbild/?{PERIOD}").content.decode()
    assert 'id="by-partner"' in page and "Vakterna" in page
    assert 'name="partner"' in page
    map_page = client.get("/dashboard/").content.decode()
    assert "filter-partner" in map_page and "Polisen" in map_page


def test_a_partners_people_read_only_their_own_partners_descriptions(client, user_of, reported):
    police_user = user_of("partner")
    reported["police"].members.add(police_user)
    mine = reported["incidents"]["Polisen"][0]
    theirs = reported["incidents"]["Vakterna"][0]
    assert client.login(username=police_user.username, password=PASSWORD)
    own = client.get(f"/api/dashboard/features/incident/{mine.pk}/").json()
    other = client.get(f"/api/dashboard/features/incident/{theirs.pk}/").json()
    assert own["description"] == "Polisens anteckning" and own["partner"] == "Polisen"
    assert other["description"] is None and "Vaktens notis" not in str(other)
    coordinator = user_of("coordinator")
    client.logout()
    assert client.login(username=coordinator.username, password=PASSWORD)
    seen = client.get(f"/api/dashboard/features/incident/{theirs.pk}/").json()
    assert seen["description"] == "Vaktens notis"


def test_the_back_office_hides_another_partners_description_from_a_partner(
    client, user_of, reported
):
    """The back office applies the dashboard's rule: a partner member with back-office access
    reads its own partner's incident descriptions, not another partner's."""
    police_user = user_of("partner")
    police_user.is_staff = True
    police_user.save(update_fields=["is_staff"])
    reported["police"].members.add(police_user)
    mine = reported["incidents"]["Polisen"][0]
    theirs = reported["incidents"]["Vakterna"][0]
    assert client.login(username=police_user.username, password=PASSWORD)
    own = client.get(f"/admin/layers/incident/{mine.pk}/change/")
    other = client.get(f"/admin/layers/incident/{theirs.pk}/change/")
    assert own.status_code == 200 and other.status_code == 200
    assert "Polisens anteckning" in own.content.decode()
    assert "Vaktens notis" not in other.content.decode()
    coordinator = user_of("coordinator")
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    client.logout()
    assert client.login(username=coordinator.username, password=PASSWORD)
    assert (
        "Vaktens notis"
        in client.get(f"/admin/layers/incident/{theirs.pk}/change/").content.decode()
    )

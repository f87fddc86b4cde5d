"""What a digital walk found reaches the rest of Trygg: the walk planner proposes its published
places as stops, and a resident's personal-data export and erasure (gis.notices) cover the
answers left with their address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gis.campaigns.models import CampaignContact, CampaignResponse
from gis.notices import personal_data
from gis.walkplan import candidates as walk_candidates
from gis.walkplan.planning import plan_json, plan_walk

from .conftest import answer_body, publish_all, streets

pytestmark = pytest.mark.django_db


def send(api, campaign, body) -> dict:
    answer = api.post(reverse("campaigns_api:responses", args=[campaign.slug]), body, format="json")
    assert answer.status_code == 201, answer.content
    return body


def campaign_stops(found) -> list[dict]:
    """Candidates led by a digital walk's answer, or with one merged into them."""
    return [
        c
        for c in found
        if c["kind"] == "campaign" or any(kind == "campaign" for kind, _id in c.get("merged", []))
    ]


def test_the_planner_proposes_published_campaign_places_only(api, campaign):
    send(api, campaign, answer_body(campaign))
    send(api, campaign, answer_body(campaign))
    region = campaign.region
    before = walk_candidates.candidates(campaign.municipality, region, "evening")
    assert campaign_stops(before) == []  # nothing published yet
    publish_all(campaign)
    after = walk_candidates.candidates(campaign.municipality, region, "evening")
    found = campaign_stops(after)
    assert found, [c["kind"] for c in after]
    assert any("Mörkt här" in c["comments"] for c in found)


def test_a_planned_walk_can_stop_at_a_campaign_place(api, campaign):
    """Around the answered place every candidate fits a two-hour walk: the campaign's is one."""
    send(api, campaign, answer_body(campaign))
    publish_all(campaign)
    place = streets(campaign, 1)[0].geom.interpolate_normalized(0.5)
    place.srid = campaign.region.srid
    plan = plan_walk(
        campaign.municipality, area=place.buffer(250), minutes=120, time_of_day="evening"
    )
    stops = plan_json(plan)["stops"]
    kinds = {stop["kind"] for stop in stops} | {
        merged["kind"] for stop in stops for merged in stop.get("merged", [])
    }
    assert "campaign" in kinds, [stop["kind"] for stop in stops]


def test_personal_data_export_and_erasure_cover_campaign_answers(api, campaign):
    mine = send(api, campaign, answer_body(campaign, contact_email="Ada@Example.org"))
    theirs = send(api, campaign, answer_body(campaign, contact_email="bo@example.org"))
    found = personal_data.find("ada@example.org")
    assert len(found["campaign_responses"]) == 1
    assert found["campaign_responses"][0]["email"] == "Ada@Example.org"
    counts = personal_data.erase("ada@example.org")
    assert counts["campaign_responses"] == 1 and counts["campaign_contacts"] == 1
    assert counts["contacts"] == 0  # no report of hers
    response = CampaignResponse.objects.get(client_uuid=mine["client_uuid"])
    assert not CampaignContact.objects.filter(response=response).exists()
    other = CampaignResponse.objects.get(client_uuid=theirs["client_uuid"])
    assert other.contact.email == "bo@example.org"
    assert personal_data.find("ada@example.org")["campaign_responses"] == []

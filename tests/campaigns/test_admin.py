"""The back office of digital walks: a coordinator opens a campaign by picking a district (its
boundary becomes the area), moderates features in bulk, and closes the campaign early."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gis.campaigns.models import Campaign, CampaignFeature, default_questions

from .conftest import answer_body, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = make_user("coordinator", prefix="camp")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client, user


def test_a_coordinator_opens_a_campaign_over_a_district(coordinator_client, demo):
    from layers.models import District

    client, user = coordinator_client
    district = District.objects.filter(municipality=demo).order_by("id")[0]
    today = timezone.localdate()
    form = {
        "municipality": demo.pk,
        "title": "Digital vandring i parken",
        "slug": "parken-2027",
        "district": district.pk,
        "area": "",
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=28)).isoformat(),
        "intro": "Hur känns parken?",
        "questions": json.dumps(default_questions()),
        "decision": "",
    }
    answer = client.post(reverse("admin:campaigns_campaign_add"), form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    campaign = Campaign.objects.get(slug="parken-2027")
    assert campaign.created_by == user and campaign.area.equals(district.geom)
    assert campaign.status == "open"
    bad = dict(form, slug="parken-2", ends_on=(today - dt.timedelta(days=1)).isoformat())
    refused = client.post(reverse("admin:campaigns_campaign_add"), bad)
    assert refused.status_code == 200 and "Sista dagen ligger före den första." in (
        refused.content.decode()
    )
    nothing = dict(form, slug="parken-3", district="")
    assert client.post(reverse("admin:campaigns_campaign_add"), nothing).status_code == 200
    assert not Campaign.objects.filter(slug__in=["parken-2", "parken-3"]).exists()
    closed = client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "close_now", "_selected_action": [campaign.pk]},
    )
    assert closed.status_code == 302
    campaign.refresh_from_db()
    assert campaign.closed_at is not None and campaign.status == "closed"


def test_moderation_in_bulk_and_escaped(coordinator_client, campaign, api):
    client, user = coordinator_client
    body = answer_body(campaign)
    body["features"][0]["comment"] = "<script>alert(1)</script>"
    url = reverse("campaigns_api:responses", args=[campaign.slug])
    assert api.post(url, body, format="json").status_code == 201
    ids = list(
        CampaignFeature.objects.filter(response__campaign=campaign).values_list("pk", flat=True)
    )
    listing = client.get(
        reverse("admin:campaigns_campaignfeature_changelist"),
        {"response__campaign__id__exact": campaign.pk, "status__exact": "pending"},
    )
    page = listing.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    answer = client.post(
        reverse("admin:campaigns_campaignfeature_changelist"),
        {"action": "publish", "_selected_action": ids[:2]},
    )
    assert answer.status_code == 302
    states = dict(CampaignFeature.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert [states[pk] for pk in ids] == ["published", "published", "pending"]
    assert CampaignFeature.objects.get(pk=ids[0]).moderated_by == user
    client.post(
        reverse("admin:campaigns_campaignfeature_changelist"),
        {"action": "reject", "_selected_action": ids[2:]},
    )
    assert CampaignFeature.objects.get(pk=ids[2]).status == "rejected"

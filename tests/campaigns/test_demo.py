"""The demo's digital walks: a closed four-week campaign with about fifty answers, mostly
published, two points made resident reports and a decision; and an open one."""

from __future__ import annotations

import pytest

from gis.campaigns.models import Campaign, CampaignFeature
from gis.demo.campaigns import ANSWERS, CLOSED_SLUG, OPEN_SLUG

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_closed_and_an_open_digital_walk(demo):
    closed = Campaign.objects.get(slug=CLOSED_SLUG, municipality=demo)
    assert closed.status == "closed" and closed.decision
    assert (closed.ends_on - closed.starts_on).days == 27  # four weeks
    assert closed.responses.count() == ANSWERS
    features = CampaignFeature.objects.filter(response__campaign=closed)
    kinds = set(features.values_list("kind", flat=True))
    assert kinds == {"point", "avoided_way", "avoided_place"}
    published = features.filter(status="published").count()
    assert published > 0.7 * features.count() and features.filter(status="pending").exists()
    assert features.filter(pin__isnull=False).count() == 2
    assert all(closed.region.buffer(1).covers(f.geom) for f in features)
    opened = Campaign.objects.get(slug=OPEN_SLUG, municipality=demo)
    assert opened.status == "open" and opened.responses.exists()

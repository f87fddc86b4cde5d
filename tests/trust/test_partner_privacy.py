"""Partner incidents are never public: no anonymous endpoint and no Open311 answer carries
them, and a partner's key is no way into the dashboard."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gis.core.partners import Partner, PartnerKey
from layers.models import Incident

pytestmark = pytest.mark.django_db
SECRET = "Partnerns-hemliga-anteckning-4711"


@pytest.fixture
def partner_incident(demo) -> tuple[Incident, str]:
    partner = Partner.objects.create(municipality=demo, name="Polisen Privat", kind="police")
    incident = Incident.objects.create(
        municipality=demo,
        partner=partner,
        source=partner.source,
        source_id="priv-1",
        type="vandalism",
        reported_by="police",
        occurred_at=timezone.now(),
        description=SECRET,
        geom=demo.boundary.point_on_surface,
    )
    return incident, PartnerKey.issue(partner, scopes=["incidents", "requests"])[1]


def test_no_public_endpoint_shows_a_partner_incident(demo, partner_incident):

    client = APIClient()
    answers = [
        client.get("/api/pins/"),
        client.get("/api/categories/"),
        client.get("/open311/v2/requests.json"),
        client.get("/open311/v2/requests.xml"),
        client.get("/open311/v2/services.json"),
        client.get(f"/open311/v2/requests/{partner_incident[0].pk}.json"),
    ]
    for answer in answers:
        assert SECRET not in answer.content.decode(), answer.wsgi_request.path
        assert "priv-1" not in answer.content.decode()


def test_a_partner_key_opens_no_dashboard_data(demo, partner_incident):
    incident, key = partner_incident
    client = APIClient()
    answer = client.get(
        f"/api/dashboard/features/incident/{incident.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert answer.status_code in (401, 403) and SECRET not in answer.content.decode()

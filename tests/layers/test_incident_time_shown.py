"""An incident's time span where people read it outside the dashboard: the back office's list
of incidents and the evidence on a fix's page, both through gis.core.timespan (local clock of
the installation, Europe/Stockholm here)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from layers.models import Incident
from tests.fixes.conftest import make_user, new_fix


@pytest.fixture
def spanned(demo, settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    incident = Incident.objects.filter(municipality=demo).order_by("pk").first()
    incident.occurred_at = datetime(2026, 3, 12, 21, tzinfo=UTC)  # 22:00 CET
    incident.occurred_to = datetime(2026, 3, 13, 5, tzinfo=UTC)  # 06:00 the next day
    incident.save()
    return incident


def test_back_office_lists_the_span(client, spanned):
    client.force_login(User.objects.create_superuser("admin-span", "a@example.org", "pw"))
    url = reverse("admin:layers_incident_changelist")
    page = client.get(url, {"id__exact": spanned.pk}).content.decode()
    assert "12 mars 2026 22:00–06:00" in page
    assert "o=4" in page  # the column sorts (by the start)
    ordered = client.get(url, {"o": "-4"})
    assert ordered.status_code == 200
    first = ordered.context["cl"].result_list[0]
    assert first.occurred_at == Incident.objects.order_by("-occurred_at").first().occurred_at


def test_fix_page_lists_the_span_of_its_incidents(client, demo, spanned):
    moment = Incident.objects.filter(municipality=demo, occurred_to__isnull=True).first()
    fix = new_fix(
        demo,
        reasons=[
            {
                "code": "reports",
                "pin_ids": [],
                "finding_ids": [],
                "incident_ids": [spanned.pk, moment.pk],
            }
        ],
    )
    client.force_login(make_user("planner"))
    page = client.get(f"/fixes/{fix.pk}/").content.decode()
    table = page.split('id="evidence-incidents"')[1].split("</table>")[0]
    assert "<td>12 mars 2026 22:00–06:00</td>" in table
    assert f"<td>{moment.occurred_label}</td>" in table

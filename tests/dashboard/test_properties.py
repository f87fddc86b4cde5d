"""Municipal properties on the dashboard: the map layer with what was routed to each property,
a pin's "Routed to" in its details, and the situation picture's reports by property against
direct ORM counts."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.gis.geos import MultiPolygon
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from gis.dashboard.filters import parse_filters
from gis.dashboard.situation import build_situation, to_csv
from layers.models import Incident, Property
from walks.models import ResidentPin, WalkFinding
from walks.routing import route_stored_pins

from .conftest import PASSWORD

PERIOD = "from=2026-09-01&to=2026-10-31"
ROUTING_M = 25


@pytest.fixture
def staff(client, user_of):
    user = user_of("coordinator")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def school(demo) -> Property:
    """The only property: a school of 60 m around a resident pin of the period."""
    Property.objects.filter(municipality=demo).delete()
    situation = build_situation(parse_filters(QueryDict(PERIOD), default_days=14))
    pin = (
        ResidentPin.objects.filter(
            municipality=demo, reported_at__gte=situation.start, reported_at__lt=situation.end
        )
        .order_by("pk")
        .first()
    )
    school = Property.objects.create(
        municipality=demo,
        source="register",
        source_id="S-1",
        name="Kluuvin koulu",
        kind=Property.Kind.SCHOOL,
        geom=MultiPolygon(pin.geom.buffer(60), srid=pin.geom.srid),
    )
    route_stored_pins(demo.pk)
    return school


def near(model, demo, school, field, start, end) -> int:
    return model.objects.filter(
        municipality=demo,
        geom__dwithin=(school.geom, ROUTING_M),
        **{f"{field}__gte": start, f"{field}__lt": end},
    ).count()


def test_reports_by_property_match_the_orm(demo, school):
    with translation.override("en"):
        situation = build_situation(parse_filters(QueryDict(PERIOD), default_days=14))
    [row] = situation.by_property
    start, end = situation.start, situation.end
    assert (row.id, row.name, row.kind, row.department) == (
        school.pk,
        "Kluuvin koulu",
        "School",
        "Property management",
    )
    assert row.pins == near(ResidentPin, demo, school, "reported_at", start, end) >= 1
    assert row.incidents == near(Incident, demo, school, "occurred_at", start, end)
    assert row.findings == near(WalkFinding, demo, school, "observed_at", start, end)
    assert row.current == row.pins + row.incidents + row.findings
    before = situation.previous
    assert row.previous == sum(
        near(model, demo, school, field, before.start, before.end)
        for model, field in (
            (ResidentPin, "reported_at"),
            (Incident, "occurred_at"),
            (WalkFinding, "observed_at"),
        )
    )
    lines = list(csv.reader(io.StringIO(to_csv(situation))))
    assert ["reports_by_property", str(school.pk), "Kluuvin koulu", "pins", str(row.pins)] in lines


def test_the_situation_page_lists_the_property(staff, demo, school):
    page = staff.get(reverse("dashboard:situation") + "?" + PERIOD + "&lang=en")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-property="{school.pk}"' in text and "Kluuvin koulu" in text


def test_the_properties_layer_and_a_pins_routing(staff, demo, school):
    data = staff.get(reverse("dashboard-api:properties") + "?lang=en").json()
    [feature] = data["features"]
    values = feature["properties"]
    routed = ResidentPin.objects.filter(property=school)
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert values["name"] == "Kluuvin koulu" and values["department_label"] == "Property management"
    assert values["pins"] == routed.count() >= 1
    pin = routed.first()
    details = staff.get(reverse("dashboard-api:feature", args=["resident", pin.pk]) + "?lang=en")
    body = details.json()
    assert body["department"] == "property" and body["property"] == "Kluuvin koulu"
    assert body["routed_to"] == "Property management (Kluuvin koulu)"
    other = ResidentPin.objects.filter(municipality=demo, property__isnull=True).first()
    url = reverse("dashboard-api:feature", args=["resident", other.pk]) + "?lang=en"
    body = staff.get(url).json()
    assert body["property"] == "" and body["department"] == other.category.owner
    with translation.override("en"):
        assert body["routed_to"] == str(other.category.get_owner_display())


def test_escaped_names_in_the_layer(staff, demo, school):
    school.name = "<b>Skolan</b>"
    school.save()
    page = staff.get(reverse("dashboard:situation") + "?" + PERIOD)
    assert "<b>Skolan</b>" not in page.content.decode()


def test_the_situation_page_speaks_swedish(staff, demo, school):
    page = staff.get(reverse("dashboard:situation") + "?" + PERIOD).content.decode()
    with translation.override("sv"):
        heading = translation.gettext("Reports at municipal properties")
        kind = str(Property.Kind.SCHOOL.label)
    assert heading == "Rapporter vid kommunala fastigheter" and heading in page
    assert kind == "Skola" and kind in page

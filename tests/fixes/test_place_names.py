"""Fixes are named by their place as people name it, in the work list, on the fix page and in the
exports; the place's id stays a detail of its own (layers.naming, gis.fixes.explain)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.utils import translation

from gis.fixes import explain
from gis.fixes.models import Fix
from gis.fixes.serializers import LinkedFixSerializer
from layers.models import GreenArea, StreetSegment
from tests.fixes.conftest import make_user

PARK = "Töölönlahden puisto"


def fix_on(place: StreetSegment | GreenArea, fix_type: str = Fix.Type.ADD_LIGHTING) -> Fix:
    """A new proposed fix on `place` (a street segment or a green area)."""
    where = {"segment": place} if isinstance(place, StreetSegment) else {"green_area": place}
    Fix.objects.filter(fix_type=fix_type, **where).delete()
    return Fix.objects.create(
        municipality=place.municipality,
        fix_type=fix_type,
        department="street",
        cost_class=1,
        score=1.0,
        geom=place.geom,
        **where,
    )


@pytest.fixture
def park_footway(demo) -> StreetSegment:
    """A footway of the demo without a name whose nearest named place is the park."""
    found = StreetSegment.objects.filter(
        municipality=demo, name="", highway="footway", near_name=PARK
    ).order_by("pk")
    assert found.exists(), "the demo's footways by Töölönlahden puisto lost their name"
    return found.first()


def test_a_fix_on_a_nameless_footway_is_named_after_the_park_in_each_language(park_footway):
    fix = fix_on(park_footway)
    with translation.override("sv"):
        assert explain.place_label(fix) == f"Gångväg vid {PARK}"
        assert explain.headline(fix) == f"Komplettera belysningen: Gångväg vid {PARK}"
        assert explain.place_reference(fix) == f"gatusegment {park_footway.pk}"
    with translation.override("en"):
        assert explain.place_label(fix) == f"Footway near {PARK}"
        assert explain.headline(fix) == f"Add lighting: Footway near {PARK}"
        assert explain.place_reference(fix) == f"street segment {park_footway.pk}"


def test_a_fix_on_a_named_street_is_named_by_the_street_and_its_house_numbers(demo):
    street = (
        StreetSegment.objects.filter(municipality=demo, name="Mannerheimintie")
        .exclude(house_numbers="")
        .order_by("pk")
        .first()
    )
    assert street is not None, "the demo's addresses on Mannerheimintie were not counted"
    fix = fix_on(street, Fix.Type.REPAIR_LAMPS)
    low, _dash, high = street.house_numbers.partition("–")
    assert low.isdigit() and (high == "" or int(high) > int(low))
    with translation.override("en"):
        assert explain.place_label(fix) == f"Mannerheimintie {street.house_numbers}"
        fix.rank = 3
        ranked = f"#3 Repair lamps: Mannerheimintie {street.house_numbers}"
        assert explain.ranked_headline(fix) == ranked
        # A resident pin's details name the fixes it is linked to the same way.
        assert LinkedFixSerializer(fix).data["label"] == ranked


def test_a_fix_in_a_park_is_named_by_the_park(demo):
    park = GreenArea.objects.get(municipality=demo, name=PARK)
    fix = fix_on(park, Fix.Type.CLEAR_VEGETATION)
    with translation.override("sv"):
        assert explain.place_label(fix) == PARK
        assert explain.place_reference(fix) == f"grönområde {park.pk}"
        assert explain.place_kind(fix) == "green_area"


def test_the_work_list_and_the_fix_page_name_the_place_and_keep_its_id_as_a_detail(
    client, park_footway
):
    fix = fix_on(park_footway, Fix.Type.REDESIGN)
    client.force_login(make_user("planner"))
    listed = client.get("/fixes/", {"fix_type": "redesign"}).content.decode()
    assert f"<td>Gångväg vid {PARK}</td>" in listed
    assert f"segment {park_footway.pk}" not in listed and "namnlös" not in listed
    page = client.get(f"/fixes/{fix.pk}/").content.decode()
    assert f"Gångväg vid {PARK}</h1>" in page
    assert f'<span id="fix-place">gatusegment {park_footway.pk}</span>' in page
    english = client.get(f"/en/fixes/{fix.pk}/").content.decode()
    assert f"Footway near {PARK}</h1>" in english
    assert f'<span id="fix-place">street segment {park_footway.pk}</span>' in english
    printed = client.get("/fixes/print/", {"fix_type": "redesign"}).content.decode()
    assert f"Gångväg vid {PARK}</h2>" in printed


def test_exports_carry_the_place_name_and_its_id_in_columns_of_their_own(client, park_footway):
    fix = fix_on(park_footway, Fix.Type.CLEAN)
    client.force_login(make_user("analyst"))
    for prefix, name in (("", f"Gångväg vid {PARK}"), ("/en", f"Footway near {PARK}")):
        body = client.get(f"{prefix}/fixes/export.csv", {"fix_type": "clean"}).content.decode()
        (row,) = [r for r in csv.DictReader(io.StringIO(body)) if r["id"] == str(fix.pk)]
        assert row["place_name"] == name
        assert (row["place_kind"], row["place_id"]) == ("segment", str(park_footway.pk))
        data = json.loads(
            client.get(f"{prefix}/fixes/export.geojson", {"fix_type": "clean"}).content
        )
        (feature,) = [f for f in data["features"] if f["id"] == fix.pk]
        properties = feature["properties"]
        assert properties["place_name"] == name
        assert (properties["place_kind"], properties["place_id"]) == ("segment", park_footway.pk)

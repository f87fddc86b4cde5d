"""Presence measures' pages and workflow: who reads, records, edits and moves them; done_at;
a partner member marks only its own partner's measure done; another municipality's is 404;
form errors name their field (400, never 500); typed text is escaped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from gis.core.partners import Partner
from gis.presence import measures as flow
from gis.presence.models import PresenceMeasure
from tests.dashboard.conftest import make_user

LIST = "/narvaro/atgarder/"


def _lonlat(demo) -> tuple[float, float]:
    point = demo.boundary.point_on_surface.transform(4326, clone=True)
    return round(point.x, 6), round(point.y, 6)


def _measure(demo, partner=None, **extra) -> PresenceMeasure:
    values = {
        "municipality": demo,
        "kind": "night_walking",
        "title": "Nattvandring vid torget",
        "geom": demo.boundary.point_on_surface,
        "starts_on": dt.date(2026, 1, 5),
        "ends_on": dt.date(2026, 3, 1),
        "partner": partner,
        "status": "planned",
        **extra,
    }
    return PresenceMeasure.objects.create(**values)


def _form(demo, **extra) -> dict:
    lon, lat = _lonlat(demo)
    return {
        "municipality": demo.code,
        "kind": "safety_hosts",
        "title": "Trygghetsvärdar vid stationen",
        "description": "Fredag och lördag kväll",
        "lon": lon,
        "lat": lat,
        "radius_m": 200,
        "starts_on": "2026-12-07",
        "ends_on": "2026-12-20",
        "decided_on": "2026-12-03",
        **extra,
    }


@pytest.fixture
def partner(demo):
    return Partner.objects.create(municipality=demo, name="Testvandrarna", kind="night_walkers")


def _login(client, role):
    user = make_user(role, prefix="meas")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return user


def test_urls_are_swedish_first_and_english_under_en():
    from django.utils import translation

    with translation.override("sv"):
        assert reverse("presence_measures:list") == LIST
        assert reverse("presence_measures:edit", args=[7]) == f"{LIST}7/andra/"
    with translation.override("en"):
        assert reverse("presence_measures:list") == "/en/presence/measures/"


def test_anonymous_goes_to_login_and_walk_leaders_are_refused(client, demo):
    measure = _measure(demo)
    for url in (LIST, f"{LIST}ny/", f"{LIST}{measure.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    _login(client, "walk_leader")
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{measure.pk}/").status_code == 403


def test_a_coordinator_records_a_measure_and_moves_it_to_done(client, demo, partner):
    user = _login(client, "coordinator")
    response = client.post(f"{LIST}ny/", _form(demo, partner=partner.pk))
    assert response.status_code == 302
    measure = PresenceMeasure.objects.get(title="Trygghetsvärdar vid stationen")
    assert measure.status == "recorded" and measure.created_by == user
    assert measure.partner == partner and measure.radius_m == 200
    assert measure.geom.geom_type == "Point" and demo.boundary.contains(measure.geom)
    status = reverse("presence_measures:status", args=[measure.pk])
    assert client.post(status, {"to_status": "planned"}).status_code == 302
    measure.refresh_from_db()
    assert measure.status == "planned" and measure.done_at is None
    assert client.post(status, {"to_status": "done"}).status_code == 302
    measure.refresh_from_db()
    assert measure.status == "done" and measure.done_at is not None
    # Reopened: done_at goes.
    assert client.post(status, {"to_status": "planned"}).status_code == 302
    measure.refresh_from_db()
    assert measure.status == "planned" and measure.done_at is None
    page = client.get(reverse("presence_measures:detail", args=[measure.pk]))
    assert page.status_code == 200 and "Trygghetsvärdar vid stationen" in page.content.decode()


def test_a_refused_transition_names_the_field(client, demo):
    _login(client, "coordinator")
    measure = _measure(demo, status="cancelled")
    response = client.post(
        reverse("presence_measures:status", args=[measure.pk]), {"to_status": "done"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["to_status"]
    measure.refresh_from_db()
    assert measure.status == "cancelled"
    with pytest.raises(flow.WorkflowError) as error:
        flow.change_status(measure, "done")
    assert error.value.field == "to_status"


def test_a_measure_can_be_placed_on_a_district(client, demo):
    from layers.models import District

    _login(client, "coordinator")
    district = District.objects.filter(municipality=demo).first()
    response = client.post(
        f"{LIST}ny/", _form(demo, lon="", lat="", district=district.pk, title="Hela stadsdelen")
    )
    assert response.status_code == 302
    measure = PresenceMeasure.objects.get(title="Hela stadsdelen")
    assert measure.geom.geom_type == "MultiPolygon" and measure.geom.equals(district.geom)


def test_the_partners_member_marks_its_own_measure_done_but_not_anothers(client, demo, partner):
    user = _login(client, "partner")
    partner.members.add(user)
    other = Partner.objects.create(municipality=demo, name="Vaktbolaget", kind="security_company")
    own, theirs = _measure(demo, partner), _measure(demo, other, title="Vakter")
    # Reads both; may not edit or create.
    assert client.get(reverse("presence_measures:detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("presence_measures:edit", args=[own.pk])).status_code == 403
    assert client.get(f"{LIST}ny/").status_code == 403
    # Only "done", only its own partner's.
    cancel = client.post(
        reverse("presence_measures:status", args=[own.pk]), {"to_status": "cancelled"}
    )
    assert cancel.status_code == 400
    refused = client.post(
        reverse("presence_measures:status", args=[theirs.pk]), {"to_status": "done"}
    )
    assert refused.status_code == 403
    done = client.post(reverse("presence_measures:status", args=[own.pk]), {"to_status": "done"})
    assert done.status_code == 302
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.status == "done" and own.done_at is not None
    assert theirs.status == "planned" and theirs.done_at is None


def test_another_municipalitys_staff_get_404(client, demo):
    from django.contrib.auth.models import Group, User

    from tests.trust._permission_world import _square_municipality

    there = _square_municipality(demo, 300, "Annanby", "meas-there")
    stranger = User.objects.create_user("meas-stranger", is_staff=True)
    stranger.groups.add(Group.objects.get(name="coordinator"))
    stranger.municipalities.set([there])
    client.force_login(stranger)
    measure = _measure(demo)
    for url in (
        reverse("presence_measures:detail", args=[measure.pk]),
        reverse("presence_measures:edit", args=[measure.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("presence_measures:status", args=[measure.pk]), {"to_status": "done"}
    )
    assert response.status_code == 404
    # Their list is their own; the demo cannot be asked for, and cannot be written to.
    assert client.get(LIST, {"municipality": demo.code}).status_code == 400
    assert client.post(f"{LIST}ny/", _form(demo)).status_code == 400
    measure.refresh_from_db()
    assert measure.status == "planned"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"kind": "dancing"}, "kind"),
        ({"ends_on": "2026-12-01"}, "ends_on"),
        ({"starts_on": "not a date"}, "starts_on"),
        ({"lon": "", "lat": ""}, "lon"),
        ({"lon": "11.0", "lat": "40.0"}, "lon"),
        ({"lon": "999"}, "lon"),
        ({"radius_m": "2"}, "radius_m"),
        ({"partner": "999999"}, "partner"),
        ({"district": "999999"}, "district"),
        ({"title": "a\x00b"}, "title"),
    ],
)
def test_form_errors_name_the_field(client, demo, change, field):
    _login(client, "coordinator")
    before = PresenceMeasure.objects.count()
    response = client.post(f"{LIST}ny/", _form(demo, **change))
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert PresenceMeasure.objects.count() == before


def test_bad_filters_answer_400_naming_the_field(client, demo):
    _login(client, "coordinator")
    for name, value in (("status", "nope"), ("kind", "nope"), ("partner", "x")):
        response = client.get(LIST, {name: value})
        assert response.status_code == 400 and name in response.json()


def test_filters_select_measures(client, demo, partner):
    _login(client, "analyst")
    _measure(demo, partner, title="Alfainsatsen")
    _measure(demo, None, title="Betainsatsen", status="recorded", kind="youth_dialogue")
    page = client.get(LIST, {"status": "recorded"}).content.decode()
    assert "Betainsatsen" in page and "Alfainsatsen" not in page
    page = client.get(LIST, {"partner": partner.pk}).content.decode()
    assert "Alfainsatsen" in page and "Betainsatsen" not in page
    page = client.get(LIST, {"kind": "youth_dialogue"}).content.decode()
    assert "Betainsatsen" in page and "Alfainsatsen" not in page


def test_typed_text_is_escaped(client, demo):
    _login(client, "coordinator")
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.post(f"{LIST}ny/", _form(demo, title=evil, description=evil))
    assert response.status_code == 302
    measure = PresenceMeasure.objects.get(title=evil)
    for url in (reverse("presence_measures:detail", args=[measure.pk]), LIST):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;" in body


def test_edit_keeps_the_status_and_changes_the_fields(client, demo):
    _login(client, "coordinator")
    measure = _measure(demo, status="done", done_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    url = reverse("presence_measures:edit", args=[measure.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["lon"] == _lonlat(demo)[0]
    response = client.post(url, _form(demo, title="Ny titel", kind="information"))
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.title, measure.kind, measure.status) == ("Ny titel", "information", "done")


def test_the_situation_picture_shows_the_measures(client, demo, partner):
    from django.utils import timezone

    _login(client, "coordinator")
    today = timezone.localdate()
    _measure(
        demo,
        partner,
        title="Nattvandring i perioden",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=10),
    )
    _measure(demo, partner, title="Inställd", status="cancelled", starts_on=today, ends_on=today)
    page = client.get(reverse("dashboard:situation"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Nattvandring i perioden" in body and "Testvandrarna" in body
    assert "Inställd" not in body
    csv = client.get(reverse("dashboard:situation-csv")).content.decode()
    assert "presence_measures" in csv and "Nattvandring i perioden" in csv


def test_the_back_office_edits_a_measure_on_the_map_widget(client, demo):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("meas-admin", "m@example.org", "pw"))
    measure = _measure(demo)
    listed = client.get(reverse("admin:presence_presencemeasure_changelist"))
    assert listed.status_code == 200 and measure.title in listed.content.decode()
    page = client.get(reverse("admin:presence_presencemeasure_change", args=[measure.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "vendor/ol/ol.js" in html and "cdn.jsdelivr" not in html

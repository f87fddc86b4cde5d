"""The demo municipality, the roles, the start page and the admin back office."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from gis.core.roles import ROLES
from gis.demo.generate import generate
from gis.demo.load import counts, load_demo
from gis.demo.plan import PLANTED
from layers.models import StreetLamp
from walks.models import ResidentPin


def test_demo_counts(demo):
    loaded = counts(demo)
    # The 586 lamps of the OSM extract and the street department's on the dark path.
    assert StreetLamp.objects.filter(municipality=demo, source="osm").count() == 586
    assert (
        loaded["lamps"] == 586 + StreetLamp.objects.filter(municipality=demo, source="demo").count()
    )
    assert loaded["cameras"] == 221
    assert loaded["green_areas"] == 16
    assert loaded["districts"] == 3
    assert 2300 <= loaded["segments"] <= 3200
    assert loaded["pins"] > 1000 and loaded["incidents"] > 500 and loaded["walks"] >= 24
    assert loaded["findings"] > 200 and loaded["lux_readings"] > 1000


def test_load_demo_twice_adds_nothing(demo):
    before = counts(demo)
    assert load_demo() == before


def test_demo_spans_24_months(demo):
    dates = ResidentPin.objects.filter(municipality=demo).dates("reported_at", "month")
    assert len(dates) == 24


def test_generation_is_seeded(demo):
    import geopandas as gpd
    from django.utils import timezone

    from gis import frames

    segments = frames.segments(demo)
    lamps = frames.lamps(demo)
    parks = frames.green_areas(demo)
    now = timezone.now()
    first, second = (generate(segments, lamps, parks, now) for _ in range(2))
    assert len(first.pins) == len(second.pins)
    assert first.pins.geometry.geom_equals(second.pins.geometry).all()
    assert isinstance(first.places, gpd.GeoDataFrame)
    assert set(first.places["key"]) == {plan.key for plan in PLANTED}


def test_planted_new_hotspot_has_reports_only_in_the_last_month(demo):
    import geopandas as gpd  # noqa: F401

    from gis.demo.plan import MONTHS

    plan = next(p for p in PLANTED if p.expected == "new hot spot")
    assert plan.rate(MONTHS - 1) > 0 and all(plan.rate(m) == 0 for m in range(MONTHS - 1))


def test_roles_exist_with_permissions(db):
    for role in ROLES:
        assert Group.objects.get(name=role).permissions.exists()
    coordinator = Group.objects.get(name="coordinator")
    analyst = Group.objects.get(name="analyst")
    assert coordinator.permissions.filter(codename="view_contact_details").exists()
    assert not analyst.permissions.filter(codename="view_contact_details").exists()


def test_home_page_shows_the_demo(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    lamps = StreetLamp.objects.filter(municipality=demo).count()
    assert f'id="count-lamps">{lamps}<' in response.content.decode()


# Where the start page leads: (route, Swedish label, English label).
HOME_LINKS = [
    ("dashboard:map", "Karta", "Map"),
    ("dashboard:situation", "Lägesbild", "Situation picture"),
    ("fixes:list", "Arbetslista med åtgärder", "Work list of fixes"),
    ("walks:list", "Trygghetsvandringar", "Safety walks"),
    ("walks:report", "Rapportera en plats som känns otrygg", "Report a place that feels unsafe"),
    ("walks_api:open311-services-json", "Open311 (GeoReport v2)", "Open311 (GeoReport v2)"),
    ("api-docs", "API-dokumentation", "API documentation"),
    ("admin:index", "Administration", "Back office"),
]


@pytest.mark.parametrize(("prefix", "language"), [("", "sv"), ("/en", "en")])
def test_home_page_leads_to_everything(client, demo, prefix, language):
    from django.utils import translation

    page = client.get(f"{prefix}/").content.decode()
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', page))
    for route, swedish, english in HOME_LINKS:
        with translation.override(language):
            url = reverse(route)
        assert url in links, route
        label = swedish if language == "sv" else english
        assert links[url].startswith(label), (route, links[url])
        # Every link answers: the page, or the login for staff pages.
        answer = client.get(url)
        assert answer.status_code in (200, 302), route
        if answer.status_code == 302:
            assert "login" in answer["Location"], route
    with translation.override(language):
        assert reverse("login") in links


@pytest.fixture
def admin_client_logged_in(client, db):
    user = User.objects.create_superuser("admin-test", "a@example.org", "pw")
    client.force_login(user)
    return client


ADMIN_MODELS = [
    ("core", "municipality"),
    ("layers", "district"),
    ("layers", "streetsegment"),
    ("layers", "streetlamp"),
    ("layers", "luxreading"),
    ("layers", "vegetation"),
    ("layers", "greenarea"),
    ("layers", "camera"),
    ("layers", "incident"),
    ("walks", "category"),
    ("walks", "safetywalk"),
    ("walks", "walkfinding"),
    ("walks", "walkaudit"),
    ("walks", "residentpin"),
    ("fixes", "fix"),
    ("hotspots", "analysisrun"),
    ("presence", "presenceresource"),
    ("presence", "presenceplan"),
]


@pytest.mark.parametrize(("app", "model"), ADMIN_MODELS)
def test_admin_changelist_and_change_page(admin_client_logged_in, demo, app, model):
    from django.apps import apps

    response = admin_client_logged_in.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200
    obj = apps.get_model(app, model).objects.first()
    if obj is not None:
        page = admin_client_logged_in.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        assert "cdn.jsdelivr" not in html
        if hasattr(obj, "geom"):
            assert "vendor/ol/ol.js" in html


def test_admin_pin_status_change_is_recorded(admin_client_logged_in, demo):
    pin = ResidentPin.objects.filter(municipality=demo, status="received").first()
    url = reverse("admin:walks_residentpin_change", args=[pin.pk])
    form = admin_client_logged_in.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "status": "triaged",
            "geom": pin.geom.transform(3857, clone=True).geojson,
            "description": pin.description,
        }
    )
    for prefix in ("contact", "photos", "history"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client_logged_in.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    pin.refresh_from_db()
    assert pin.status == "triaged"
    change = pin.history.last()
    assert (change.from_status, change.to_status, change.changed_by.username) == (
        "received",
        "triaged",
        "admin-test",
    )

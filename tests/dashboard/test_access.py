"""Who gets what: anonymous users are sent to the login page (pages) or refused with 401
(endpoints); walk leaders and users without a role get 403; staff roles see everything and
change only what their role allows."""

import pytest
from django.urls import reverse

from gis.fixes.models import Fix, FixStatusChange
from walks.models import PinStatusChange, ResidentPin

from .conftest import PASSWORD

VIEWERS = ["coordinator", "planner", "street_department", "parks_department", "analyst"]
REFUSED = ["walk_leader", None]


def api_urls(demo) -> list[str]:
    pin = ResidentPin.objects.filter(municipality=demo).first()
    fix = Fix.objects.filter(municipality=demo).first()
    return [
        "/api/dashboard/tiles/reports/14/9326/4742.pbf",
        "/api/dashboard/tiles/streets/14/9326/4742.pbf",
        reverse("dashboard-api:counts"),
        reverse("dashboard-api:heatmap"),
        reverse("dashboard-api:heatmap-png"),
        reverse("dashboard-api:hotspots"),
        reverse("dashboard-api:districts"),
        reverse("dashboard-api:routes"),
        reverse("dashboard-api:fixes"),
        reverse("dashboard-api:fix", args=[fix.pk]),
        reverse("dashboard-api:feature", args=["resident", pin.pk]),
    ]


CHEAP_PAGES = ["/dashboard/", "/en/dashboard/"]
SITUATION_PAGES = [
    "/dashboard/lagesbild/",
    "/dashboard/lagesbild.csv",
    "/dashboard/lagesbild.geojson",
    "/dashboard/lagesbild/karta.png",
]


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_anonymous_pages_redirect_to_the_login_page(client, demo):
    for url in CHEAP_PAGES + SITUATION_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].split("?")[0].endswith("/login/"), url


def test_anonymous_endpoints_answer_401(client, demo):
    for url in api_urls(demo):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["detail"]


@pytest.mark.parametrize("role", REFUSED)
def test_wrong_roles_are_refused_everywhere(client, user_of, demo, role):
    login(client, user_of(role))
    for url in CHEAP_PAGES + SITUATION_PAGES + api_urls(demo):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", VIEWERS)
def test_staff_roles_see_the_map_and_its_data(client, user_of, demo, role):
    login(client, user_of(role))
    for url in CHEAP_PAGES + api_urls(demo):
        response = client.get(url)
        assert response.status_code == 200, url


def test_staff_sees_the_situation_picture_and_its_downloads(client, user_of, demo):
    login(client, user_of("analyst"))
    types = ["text/html", "text/csv", "application/geo+json", "image/png"]
    for url, content_type in zip(SITUATION_PAGES, types, strict=True):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith(content_type), url


def test_login_page_logs_in_and_goes_to_the_map(client, user_of):
    user = user_of("planner")
    page = client.get("/login/")
    assert page.status_code == 200 and b'name="password"' in page.content
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    client.logout()
    bad = client.post("/login/", {"username": user.username, "password": "wrong"})
    assert bad.status_code == 200 and b"form-error" in bad.content


def _pin(demo):
    return ResidentPin.objects.filter(municipality=demo, status="received").first()


@pytest.mark.parametrize("role", ["planner", "street_department", "parks_department", "analyst"])
def test_only_the_coordinator_triages(client, user_of, demo, role):
    login(client, user_of(role))
    pin = _pin(demo)
    url = reverse("dashboard-api:triage", args=[pin.pk])
    response = client.post(url, {"status": "triaged"}, content_type="application/json")
    assert response.status_code == 403
    pin.refresh_from_db()
    assert pin.status == "received"


def test_anonymous_cannot_triage(client, demo):
    pin = _pin(demo)
    url = reverse("dashboard-api:triage", args=[pin.pk])
    assert (
        client.post(url, {"status": "triaged"}, content_type="application/json").status_code == 401
    )


def test_coordinator_triages_and_every_change_is_recorded(client, user_of, demo, fixes):
    user = user_of("coordinator")
    login(client, user)
    pin = _pin(demo)
    new_category = "vegetation" if pin.category.code != "vegetation" else "lighting"
    url = reverse("dashboard-api:triage", args=[pin.pk])
    body = {
        "status": "measure_planned",
        "category": new_category,
        "fix": fixes[-1].pk,
        "public_answer": "Buskarna klipps i maj.",
        "note": "checked on site",
    }
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "measure_planned" and data["category"] == new_category
    assert [f["id"] for f in data["fixes"]] == [fixes[-1].pk]
    pin.refresh_from_db()
    assert pin.status == "measure_planned" and pin.public_answer == "Buskarna klipps i maj."
    change = PinStatusChange.objects.filter(pin=pin).latest("changed_at")
    assert (change.from_status, change.to_status, change.changed_by) == (
        "received",
        "measure_planned",
        user,
    )
    assert "category" in change.note and "checked on site" in change.note
    # A change without a new status is recorded as well, with who made it.
    again = client.post(url, {"public_answer": "Klippt."}, content_type="application/json")
    assert again.status_code == 200
    latest = PinStatusChange.objects.filter(pin=pin).latest("changed_at")
    assert latest.from_status == latest.to_status == "measure_planned"
    assert latest.changed_by == user and "answer" in latest.note


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"category": "unicorns"}, "category"),
        ({"fix": 999999999}, "fix"),
    ],
)
def test_triage_of_bad_values_is_400_naming_the_field(client, user_of, demo, body, field):
    login(client, user_of("coordinator"))
    url = reverse("dashboard-api:triage", args=[_pin(demo).pk])
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()


def test_triage_of_an_unknown_pin_is_404(client, user_of, demo):
    login(client, user_of("coordinator"))
    url = reverse("dashboard-api:triage", args=[999999999])
    assert client.post(url, {}, content_type="application/json").status_code == 404


def _move(client, fix, status="planned"):
    url = reverse("dashboard-api:fix", args=[fix.pk])
    return client.post(url, {"status": status, "note": "ok"}, content_type="application/json")


def test_departments_change_their_own_fixes_only(client, user_of, demo, fixes):
    street_fix = next(f for f in fixes if f.department == "street")
    parks_fix = next(f for f in fixes if f.department == "parks")
    user = user_of("street_department")
    login(client, user)
    assert _move(client, parks_fix).status_code == 403
    response = _move(client, street_fix)
    assert response.status_code == 200 and response.json()["status"] == "planned"
    change = FixStatusChange.objects.get(fix=street_fix)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "proposed",
        "planned",
        user,
    )
    client.logout()
    login(client, user_of("parks_department"))
    assert _move(client, parks_fix).status_code == 200


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("planner", True), ("coordinator", True), ("analyst", False), ("walk_leader", False)],
)
def test_fix_status_by_role(client, user_of, demo, fixes, role, allowed):
    login(client, user_of(role))
    parks_fix = next(f for f in fixes if f.department == "parks")
    assert _move(client, parks_fix).status_code == (200 if allowed else 403)


def test_fix_workflow_errors_are_400_naming_the_field(client, user_of, demo, fixes):
    login(client, user_of("planner"))
    fix = fixes[0]
    response = _move(client, fix, status="verified")  # not allowed from proposed
    assert response.status_code == 400 and "status" in response.json()
    assert _move(client, fix, status="planned").status_code == 200
    response = _move(client, fix, status="scheduled")  # needs a date
    assert response.status_code == 400 and "scheduled_for" in response.json()
    fix.refresh_from_db()
    assert fix.status == "planned"

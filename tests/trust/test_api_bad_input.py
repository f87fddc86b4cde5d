"""The bad input the API fuzz (test_api_fuzz.py) found answering 500 or undocumented bodies,
each pinned down: a 4xx naming the field, in the documented format."""

from __future__ import annotations

import json
import uuid
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from tests.walks.conftest import finding_feature, make_walk, route_lonlat

NUL = "\x00"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def coordinator(api, demo):
    user = User.objects.create_user(f"bad-input-{uuid.uuid4().hex[:8]}")
    user.groups.add(Group.objects.get(name="coordinator"))
    demo.staff.add(user)
    api.force_authenticate(user)
    return api


def test_nul_in_a_dashboard_filter_is_400_naming_it(coordinator):
    response = coordinator.get("/api/dashboard/counts/", {"municipality": f"demo{NUL}"})
    assert response.status_code == 400
    assert list(response.json()) == ["municipality"]


def test_nul_in_a_category_filter_is_400_naming_it(api, demo):
    response = api.get("/api/pins/", {"category": f"lighting{NUL}"})
    assert response.status_code == 400
    assert list(response.json()) == ["category"]


def test_nul_in_a_category_of_a_body_is_400_naming_it(api, demo):
    walk = make_walk(demo)
    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat, category=f"lighting{NUL}")
    response = api.post(f"/api/walks/{walk.join_code}/findings/", feature, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["category"]


def test_nul_in_an_open311_service_code_is_an_open311_400(api, demo):
    response = api.get("/open311/v2/requests.json", {"service_code": f"litter{NUL}"})
    assert response.status_code == 400
    [error] = response.json()
    assert error["description"].startswith("service_code")


def test_nul_in_a_path_is_404(api, demo):
    response = api.get(f"/api/walks/AB{NUL}CD/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_offset_beyond_postgresql_is_taken_in_utc(api, demo):
    # PostgreSQL refuses offsets beyond ±15:59; the filter compares in UTC.
    response = api.get("/api/walks/", {"until": "2030-01-03T23:44:29+17:22"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/walks/", {"since": "0001-01-01T00:00:00+01:00"}, "since"),
        ("/open311/v2/requests.json", {"start_date": "0001-01-01T00:00:00+01:00"}, None),
        ("/open311/v2/requests.json", {"end_date": "2026-13-45T10:00:00"}, None),
    ],
)
def test_dates_that_are_no_date_in_utc_are_400(api, demo, url, params, field):
    response = api.get(url, params)
    assert response.status_code == 400
    if field:
        assert list(response.json()) == [field]
    else:
        [name] = params
        assert response.json()[0]["description"].startswith(name)


def test_dashboard_date_beyond_year_9999_is_400(coordinator):
    response = coordinator.get("/api/dashboard/counts/", {"to": "9999-12-31"})
    assert response.status_code == 400
    assert list(response.json()) == ["to"]


def test_observation_before_2000_is_400(api, demo):
    walk = make_walk(demo)
    lon, lat = route_lonlat(walk)
    feature = finding_feature(lon, lat, observed_at="1601-09-02T09:15:50Z")
    response = api.post(f"/api/walks/{walk.join_code}/findings/", feature, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["observed_at"]


def test_walk_without_district_answers_null_as_documented(api, demo):
    walk = make_walk(demo, district=None)
    assert api.get(f"/api/walks/{walk.join_code}/").json()["properties"]["district"] is None
    schema = api.get("/api/schema/?format=json").json()
    district = schema["components"]["schemas"]["Walk"]["properties"]["properties"]["properties"][
        "district"
    ]
    assert district.get("nullable") is True


def test_options_on_open311_xml_is_an_open311_405(api, db):
    response = api.options("/open311/v2/services.xml")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "errors" and root.find("error/code").text == "405"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/pins/not-a-number/", "application/json"),
        ("/api/dashboard/fixes/x/", "application/json"),
        ("/open311/v2/requests/1.2.json", "application/json"),
        ("/open311/v2/requests/1.2.xml", "text/xml"),
    ],
)
def test_addresses_no_route_serves_answer_404_in_the_api_format(api, db, path, content_type):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith(content_type)
    if content_type == "text/xml":
        assert ElementTree.fromstring(response.content).find("error/code").text == "404"
    elif path.startswith("/open311/"):
        assert response.json()[0]["code"] == 404
    else:
        assert response.json() == {"detail": "Not found."}


def test_pages_no_route_serves_stay_html(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_geojson_street_network_is_documented_as_such(api, demo):
    walk = make_walk(demo)
    response = api.get(f"/api/walks/{walk.join_code}/streets/")
    assert response["Content-Type"] == "application/geo+json"
    schema = api.get("/api/schema/?format=json").json()
    content = schema["paths"]["/api/walks/{code}/streets/"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["application/geo+json"]
    feature = json.loads(response.content)["features"][0]
    assert set(feature["properties"]) == {"name", "highway", "lit"}

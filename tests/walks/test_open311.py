"""Open311 GeoReport v2 on resident pins, checked against the specification: field names,
types, formats (JSON and XML), filters, and errors as Open311 error lists."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from tests.walks.conftest import inside_lonlat
from walks.models import Category, PinContact, ResidentPin

SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def w3c(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value
    return moment


def xml_items(response, root: str, item: str) -> list[dict]:
    assert response["Content-Type"].startswith("text/xml")
    tree = ElementTree.fromstring(response.content)
    assert tree.tag == root
    return [{child.tag: child.text for child in element} for element in tree.findall(item)]


def test_services_json(api, db):
    response = api.get("/open311/v2/services.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    services = response.json()
    assert [s["service_code"] for s in services] == list(
        Category.objects.values_list("code", flat=True)
    )
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert service["metadata"] is False and service["type"] in {"realtime", "batch", "blackbox"}
        assert all(isinstance(service[k], str) for k in SERVICE_FIELDS - {"metadata"})


def test_services_xml(api, db):
    services = xml_items(api.get("/open311/v2/services.xml"), "services", "service")
    assert len(services) == Category.objects.count()
    assert set(services[0]) == SERVICE_FIELDS
    assert services[0]["metadata"] == "false" and services[0]["service_code"] == "lighting"


@pytest.fixture
def pins(demo):
    lon, lat = inside_lonlat(demo)
    now = timezone.now()

    def make(code: str, status: str, days_ago: int) -> ResidentPin:
        return ResidentPin.objects.create(
            municipality=demo,
            category=Category.objects.get(code=code),
            when="evening",
            description=f"{code} {status}",
            geom=Point(lon, lat, srid=4326).transform(demo.boundary.srid, clone=True),
            reported_at=now - timedelta(days=days_ago),
            status=status,
            public_answer="Åtgärdat." if status == "feedback_given" else "",
        )

    return {
        "open": make("wayfinding", "triaged", 1),
        "closed": make("wayfinding", "feedback_given", 2),
        "old": make("wayfinding", "received", 200),
    }


def test_request_detail_json_fields_and_types(api, pins):
    pin = pins["closed"]
    response = api.get(f"/open311/v2/requests/{pin.pk}.json")
    assert response.status_code == 200
    [item] = response.json()
    assert set(item) == REQUEST_FIELDS
    assert item["service_request_id"] == str(pin.pk)
    assert item["status"] == "closed" and item["status_notes"] == "Åtgärdat."
    assert item["service_code"] == "wayfinding"
    assert isinstance(item["lat"], float) and isinstance(item["long"], float)
    assert 60.1 < item["lat"] < 60.3 and 24.8 < item["long"] < 25.1
    assert abs(w3c(item["requested_datetime"]) - pin.reported_at) < timedelta(seconds=1)
    w3c(item["updated_datetime"])


def test_request_detail_xml(api, pins):
    pin = pins["open"]
    [item] = xml_items(api.get(f"/open311/v2/requests/{pin.pk}.xml"), "service_requests", "request")
    assert set(item) == REQUEST_FIELDS
    assert item["status"] == "open" and item["service_request_id"] == str(pin.pk)
    assert float(item["lat"]) > 60 and item["expected_datetime"] is None


def test_requests_filters(api, pins):
    ids = {str(p.pk) for p in pins.values()}

    def listed(**params):
        response = api.get("/open311/v2/requests.json", params)
        assert response.status_code == 200
        return {item["service_request_id"] for item in response.json()} & ids

    assert listed(service_code="wayfinding") == {str(pins["open"].pk), str(pins["closed"].pk)}
    assert listed(service_code="wayfinding", status="open") == {str(pins["open"].pk)}
    assert listed(service_code="wayfinding", status="closed") == {str(pins["closed"].pk)}
    assert listed(service_code="lighting") == set()
    start = (timezone.now() - timedelta(days=365)).isoformat()
    end = (timezone.now() - timedelta(days=100)).isoformat()
    assert listed(start_date=start, end_date=end, service_code="wayfinding") == {
        str(pins["old"].pk)
    }
    both = f"{pins['old'].pk},{pins['open'].pk}"
    assert listed(service_request_id=both) == {str(pins["old"].pk), str(pins["open"].pk)}


def test_requests_xml_list(api, pins):
    items = xml_items(
        api.get("/open311/v2/requests.xml", {"service_code": "wayfinding"}),
        "service_requests",
        "request",
    )
    assert {str(pins["open"].pk), str(pins["closed"].pk)} <= {
        i["service_request_id"] for i in items
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "last tuesday"}, "start_date"),
        ({"end_date": "2026-13-45"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "unicorns"}, "service_code"),
        ({"service_request_id": "abc"}, "service_request_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_open311_errors(api, db, params, field, fmt):
    response = api.get(f"/open311/v2/requests.{fmt}", params)
    assert response.status_code == 400
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 400 and error["description"].startswith(field)
    else:
        [error] = xml_items(response, "errors", "error")
        assert error["code"] == "400" and error["description"].startswith(field)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_is_404_in_open311_format(api, db, fmt):
    for path in (
        f"/open311/v2/requests/999999999.{fmt}",
        f"/open311/v2/requests/abc.{fmt}",
        f"/open311/v2/tokens/nope.{fmt}",
    ):
        response = api.get(path)
        assert response.status_code == 404
        if fmt == "json":
            assert response.json()[0]["code"] == 404
        else:
            assert xml_items(response, "errors", "error")[0]["code"] == "404"


def test_unknown_format_is_404(api, db):
    assert api.get("/open311/v2/services.csv").status_code == 404


def test_post_request_form_encoded(api, demo):
    lon, lat = inside_lonlat(demo)
    data = {
        "api_key": "ignored",
        "service_code": "graffiti",
        "lat": str(lat),
        "long": str(lon),
        "description": "Klotter på hela tunneln",
        "email": "resident@example.org",
        "first_name": "Sara",
        "last_name": "Svensson",
        "phone": "+46701234567",
        "device_id": "abc-123",
    }
    response = api.post("/open311/v2/requests.json", data)
    assert response.status_code == 201, response.content
    [item] = response.json()
    # Created at once: the id, not a token as well (GeoReport v2 answers one or the other).
    assert set(item) == {"service_request_id", "service_notice", "account_id"}
    pin = ResidentPin.objects.get(pk=int(item["service_request_id"]))
    assert pin.category.code == "graffiti" and pin.description == "Klotter på hela tunneln"
    assert pin.when in {"day", "evening", "night"}
    contact = PinContact.objects.get(pin=pin)
    assert (contact.name, contact.email, contact.phone) == (
        "Sara Svensson",
        "resident@example.org",
        "+46701234567",
    )
    token = pin.tracking_token
    assert token in item["service_notice"]
    [lookup] = api.get(f"/open311/v2/tokens/{token}.json").json()
    assert lookup == {"service_request_id": str(pin.pk), "token": token}
    public = api.get(f"/open311/v2/requests/{pin.pk}.json").content.decode()
    assert "resident@example.org" not in public and "Svensson" not in public and token not in public


def test_post_request_xml(api, demo):
    lon, lat = inside_lonlat(demo)
    response = api.post(
        "/open311/v2/requests.xml", {"service_code": "litter", "lat": lat, "long": lon}
    )
    assert response.status_code == 201
    [item] = xml_items(response, "service_requests", "request")
    assert ResidentPin.objects.filter(pk=int(item["service_request_id"])).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_code": None}, "service_code"),
        ({"lat": None}, "lat"),
        ({"lat": "north"}, "lat"),
        ({"long": "200"}, "long"),
        ({"lat": "59.33", "long": "18.07"}, "lat"),
        ({"email": "not-an-address"}, "email"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_bad_input_is_open311_400(api, demo, change, field, fmt):
    lon, lat = inside_lonlat(demo)
    data = {"service_code": "litter", "lat": str(lat), "long": str(lon)}
    data.update(change)
    data = {k: v for k, v in data.items() if v is not None}
    before = ResidentPin.objects.count()
    response = api.post(f"/open311/v2/requests.{fmt}", data)
    assert response.status_code == 400
    if fmt == "json":
        descriptions = [e["description"] for e in response.json()]
        assert all(e["code"] == 400 for e in response.json())
    else:
        descriptions = [e["description"] for e in xml_items(response, "errors", "error")]
    assert any(d.startswith(field) for d in descriptions), descriptions
    assert ResidentPin.objects.count() == before


def test_post_is_rate_limited_with_an_open311_error(api, demo, settings):
    settings.TRYGG_RATE_LIMITS = {"open311_ip": "1/hour", "open311_device": None}
    lon, lat = inside_lonlat(demo)
    data = {"service_code": "litter", "lat": lat, "long": lon}
    assert api.post("/open311/v2/requests.json", data).status_code == 201
    limited = api.post("/open311/v2/requests.json", data)
    assert limited.status_code == 429 and limited.json()[0]["code"] == 429
    assert api.get("/open311/v2/services.json").status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_with_an_unknown_service_code_is_open311_404(api, demo, fmt):
    lon, lat = inside_lonlat(demo)
    before = ResidentPin.objects.count()
    data = {"service_code": "unicorns", "lat": lat, "long": lon}
    response = api.post(f"/open311/v2/requests.{fmt}", data)
    assert response.status_code == 404
    if fmt == "json":
        [error] = response.json()
    else:
        [error] = xml_items(response, "errors", "error")
    assert str(error["code"]) == "404" and error["description"].startswith("service_code")
    assert ResidentPin.objects.count() == before


def test_a_partner_key_as_api_key_files_the_request_as_the_partner(api, demo):
    from gis.core.partners import Partner, PartnerKey

    hosts = Partner.objects.create(municipality=demo, name="Trygghetsvärdarna", kind="safety_hosts")
    stored, plain = PartnerKey.issue(hosts, scopes=["requests"])
    lon, lat = inside_lonlat(demo)
    data = {"service_code": "litter", "lat": lat, "long": lon, "api_key": plain}
    response = api.post("/open311/v2/requests.json", data)
    assert response.status_code == 201, response.content
    pin = ResidentPin.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert pin.partner == hosts
    [use] = stored.uses.all()
    assert use.status == 201 and use.summary["created"] == 1
    # Any other api_key is accepted and ignored, as before.
    data["api_key"] = "some-client-key"
    other = api.post("/open311/v2/requests.json", data)
    assert ResidentPin.objects.get(pk=int(other.json()[0]["service_request_id"])).partner is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_revoked_or_unscoped_partner_key_is_open311_403(api, demo, fmt):
    from gis.core.partners import Partner, PartnerKey

    police = Partner.objects.create(municipality=demo, name="Polisen", kind="police")
    incidents_only = PartnerKey.issue(police, scopes=["incidents"])
    revoked = PartnerKey.issue(police, scopes=["requests"])
    revoked[0].revoked_at = timezone.now()
    revoked[0].save()
    lon, lat = inside_lonlat(demo)
    before = ResidentPin.objects.count()
    for plain in ("trygg_wrong", revoked[1], incidents_only[1]):
        data = {"service_code": "litter", "lat": lat, "long": lon, "api_key": plain}
        response = api.post(f"/open311/v2/requests.{fmt}", data)
        assert response.status_code == 403
        if fmt == "json":
            assert response.json()[0]["description"].startswith("api_key")
        else:
            assert xml_items(response, "errors", "error")[0]["code"] == "403"
    assert ResidentPin.objects.count() == before
    assert list(incidents_only[0].uses.values_list("status", flat=True)) == [403]


@pytest.fixture
def far_town(demo):
    """A second municipality 200 km from the demo, with one request of its own."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from gis.core.models import Municipality

    west, south, east, north = demo.boundary.extent
    box = Polygon.from_bbox((west + 200_000, south + 200_000, east + 200_000, north + 200_000))
    town = Municipality.objects.create(
        code="far-town", name="Bortby", boundary=MultiPolygon(box, srid=demo.boundary.srid)
    )
    pin = ResidentPin.objects.create(
        municipality=town,
        category=Category.objects.get(code="wayfinding"),
        when="evening",
        description="wayfinding far away",
        geom=box.centroid,
        reported_at=timezone.now() - timedelta(days=1),
        status="received",
    )
    return town, pin


def test_jurisdiction_id_serves_one_municipality(api, pins, far_town):
    _town, far_pin = far_town

    def listed(**params):
        response = api.get("/open311/v2/requests.json", {"service_code": "wayfinding", **params})
        assert response.status_code == 200
        return {item["service_request_id"] for item in response.json()}

    everyone = listed()
    assert str(far_pin.pk) in everyone and {str(pins["open"].pk)} <= everyone
    assert listed(jurisdiction_id="far-town") == {str(far_pin.pk)}
    only_demo = listed(jurisdiction_id=pins["open"].municipality.code)
    assert str(far_pin.pk) not in only_demo and str(pins["open"].pk) in only_demo
    listed_towns = ResidentPin.objects.filter(pk__in=[int(i) for i in only_demo])
    assert set(listed_towns.values_list("municipality__code", flat=True)) == {
        pins["open"].municipality.code
    }
    assert listed(jurisdiction_id=" far-town ", service_request_id=pins["open"].pk) == set()
    one = api.get(f"/open311/v2/requests/{far_pin.pk}.json", {"jurisdiction_id": "far-town"})
    assert one.status_code == 200 and one.json()[0]["service_request_id"] == str(far_pin.pk)
    other = pins["open"].municipality.code
    elsewhere = api.get(f"/open311/v2/requests/{far_pin.pk}.json", {"jurisdiction_id": other})
    assert elsewhere.status_code == 404
    services = api.get("/open311/v2/services.json", {"jurisdiction_id": "far-town"})
    assert services.status_code == 200 and len(services.json()) == Category.objects.count()


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path", ["services", "requests", "requests/1"])
def test_an_unknown_jurisdiction_is_open311_404(api, db, path, fmt):
    response = api.get(f"/open311/v2/{path}.{fmt}", {"jurisdiction_id": "atlantis"})
    assert response.status_code == 404
    text = response.content.decode()
    assert "jurisdiction_id" in text
    if fmt == "xml":
        assert xml_items(response, "errors", "error")[0]["code"] == "404"
    else:
        assert response.json()[0]["code"] == 404


def test_a_post_outside_its_named_jurisdiction_is_400(api, demo, far_town):
    lon, lat = inside_lonlat(demo)
    data = {"service_code": "graffiti", "lat": str(lat), "long": str(lon), "description": "x"}
    wrong = api.post("/open311/v2/requests.json", {**data, "jurisdiction_id": "far-town"})
    assert wrong.status_code == 400
    assert wrong.json()[0]["description"].startswith("jurisdiction_id:")
    unknown = api.post("/open311/v2/requests.json", {**data, "jurisdiction_id": "atlantis"})
    assert unknown.status_code == 404
    right = api.post("/open311/v2/requests.json", {**data, "jurisdiction_id": demo.code})
    assert right.status_code == 201
    created = ResidentPin.objects.get(pk=int(right.json()[0]["service_request_id"]))
    assert created.municipality == demo

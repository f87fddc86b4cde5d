"""The walk-planning API: POST /api/walkplans/ answers a plan; POST /api/walks/<code>/plan/ plans
and saves it to the walk, GET answers the saved plan; bad input is a 400 naming the field; only
walk leaders and coordinators plan, in their own municipalities."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Polygon
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.walkplan.conftest import lonlat_of, make_user
from walks.models import SafetyWalk

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def leader(demo):
    user = make_user("walk_leader", "plan")
    user.municipalities.set([demo])
    return user


def _body(district, **extra):
    return {"district": district.name, "minutes": 45, "time_of_day": "evening", **extra}


def test_a_leader_plans_a_walk_in_a_district(demo, district, leader):
    answer = _post(_client(leader), reverse("walkplan_api:walkplans"), _body(district))
    assert answer.status_code == 200, answer.content
    plan = answer.json()
    assert plan["route"]["type"] == "LineString" and len(plan["route"]["coordinates"]) > 2
    assert plan["stops"] and plan["minutes"] <= 45
    assert {"kind", "id", "lon", "lat", "why", "order", "look_at"} <= set(plan["stops"][0])
    assert plan["inputs"]["municipality"] == demo.code
    assert plan["inputs"]["district"] == district.pk
    # by id as well as by name, and the same plan again
    again = _post(
        _client(leader),
        reverse("walkplan_api:walkplans"),
        _body(district) | {"district": str(district.pk)},
    )
    assert again.json()["stops"] == plan["stops"]


def test_a_drawn_area_a_start_drops_and_additions(demo, district, leader):
    inside = district.geom.point_on_surface
    square = Polygon.from_bbox((inside.x - 400, inside.y - 400, inside.x + 400, inside.y + 400))
    square.srid = inside.srid
    area = json.loads(square.transform(4326, clone=True).geojson)
    client = _client(leader)
    url = reverse("walkplan_api:walkplans")
    body = {"area": area, "minutes": 40, "time_of_day": "night", "start": lonlat_of(inside)}
    first = _post(client, url, body).json()
    assert first["stops"] and first["inputs"]["area"]["type"] == "Polygon"
    gone = first["stops"][0]
    second = _post(
        client,
        url,
        body | {"dropped": [{"kind": gone["kind"], "id": gone["id"]}], "added": [body["start"]]},
    ).json()
    keys = [(s["kind"], s["id"]) for s in second["stops"]]
    assert (gone["kind"], gone["id"]) not in keys and ("added", 1) in keys


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minutes": 5}, "minutes"),
        ({"minutes": 481}, "minutes"),
        ({"minutes": "lång"}, "minutes"),
        ({"pace_kmh": 0.5}, "pace_kmh"),
        ({"pace_kmh": 9}, "pace_kmh"),
        ({"time_of_day": "gryning"}, "time_of_day"),
        ({"district": "Ingenstans"}, "district"),
        ({"start": [18.07, 59.33]}, "start"),  # Stockholm
        ({"start": [24.9]}, "start"),
        ({"end": [200, 60]}, "end"),
        ({"area": {"type": "Point", "coordinates": [24.9, 60.1]}}, "area"),
        ({"dropped": [{"kind": "pin"}]}, "dropped"),
        ({"added": [[18.07, 59.33]]}, "added"),
        ({"added": [[24.93, 60.17], 5]}, "added"),
        ({"dropped": [{"kind": "pin", "id": "x"}]}, "dropped"),
        ({"municipality": "no-such-place"}, "municipality"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(district, leader, change, field):
    answer = _post(_client(leader), reverse("walkplan_api:walkplans"), _body(district) | change)
    assert answer.status_code == 400, answer.content
    messages = answer.json()[field]
    assert messages and all(isinstance(m, str) for m in messages)  # flat, as documented


def test_missing_minutes_is_named(district, leader):
    body = _body(district)
    del body["minutes"]
    answer = _post(_client(leader), reverse("walkplan_api:walkplans"), body)
    assert answer.status_code == 400 and "minutes" in answer.json()


def test_planning_and_saving_a_walks_plan(demo, district, leader):
    walk = SafetyWalk.objects.create(
        municipality=demo,
        title="Kvällsvandring",
        starts_at=timezone.now(),
        time_of_day="evening",
        district=district,
    )
    url = reverse("walkplan_api:walk-plan", args=[walk.join_code.lower()])
    client = _client(leader)
    empty = client.get(url)
    assert empty.status_code == 200 and empty.json()["stops"] == []
    answer = _post(client, url, {"minutes": 60})  # the walk's district and time of day
    assert answer.status_code == 200, answer.content
    plan = answer.json()
    assert plan["inputs"]["district"] == district.pk
    walk.refresh_from_db()
    assert walk.route is not None and walk.plan == plan["inputs"]
    assert walk.stops.count() == len(plan["stops"])
    saved = client.get(url).json()
    assert [(s["kind"], s["id"], s["order"]) for s in saved["stops"]] == [
        (s["kind"], s["id"], s["order"]) for s in plan["stops"]
    ]
    assert saved["inputs"] == plan["inputs"] and saved["route"]["type"] == "LineString"


def test_who_may_plan(demo, district):
    walk = SafetyWalk.objects.create(municipality=demo, title="V", starts_at=timezone.now())
    url = reverse("walkplan_api:walk-plan", args=[walk.join_code])
    planner = make_user("planner", "plan")
    assert _post(_client(planner), url, _body(district)).status_code == 403
    assert _post(Client(), url, _body(district)).status_code == 403
    coordinator = make_user("coordinator", "plan")
    coordinator.municipalities.set([])
    assert _client(coordinator).get(url).status_code == 404
    assert not walk.stops.exists()

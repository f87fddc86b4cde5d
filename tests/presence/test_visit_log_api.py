"""POST /api/presence/visits/<id>/log: a team logs a visit done or not done with a note; the
same log again changes nothing (200 with the stored state); bad input is 400 naming the field;
another team's visit 403; another municipality's 404."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from gis.presence.models import PlannedVisit
from tests.presence.conftest import make_user


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _log(client, visit, body):
    return client.post(
        reverse("presence_api:visit-log", args=[visit.pk]),
        json.dumps(body),
        content_type="application/json",
    )


def test_a_team_logs_its_visit_once(presence):
    client = _client(presence.guard)
    visit = presence.guard_visit
    answer = _log(client, visit, {"outcome": "done", "note": "  Lugnt, fem ungdomar vid kiosken. "})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["outcome"] == "done" and body["note"] == "Lugnt, fem ungdomar vid kiosken."
    stored = PlannedVisit.objects.get(pk=visit.pk)
    assert stored.logged_by == presence.guard and stored.logged_at is not None
    assert body["logged_at"] is not None

    again = _log(client, visit, {"outcome": "done", "note": "Lugnt, fem ungdomar vid kiosken."})
    assert again.status_code == 200 and again.json() == body
    assert PlannedVisit.objects.get(pk=visit.pk).logged_at == stored.logged_at  # unchanged

    corrected = _log(client, visit, {"outcome": "not_done"})
    assert corrected.status_code == 200
    assert PlannedVisit.objects.get(pk=visit.pk).outcome == "not_done"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "outcome"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "done", "note": "x" * 501}, "note"),
        ({"outcome": "done", "note": "bad\x00text"}, "note"),
        ({"outcome": "done", "note": 5 * [1]}, "note"),
    ],
)
def test_bad_input_is_400_naming_the_field(presence, body, field):
    answer = _log(_client(presence.guard), presence.guard_visit, body)
    assert answer.status_code == 400
    assert field in answer.json()
    assert PlannedVisit.objects.get(pk=presence.guard_visit.pk).outcome == ""


def test_another_teams_visit_is_refused(presence):
    answer = _log(_client(presence.guard), presence.walker_visit, {"outcome": "done"})
    assert answer.status_code == 403
    assert PlannedVisit.objects.get(pk=presence.walker_visit.pk).outcome == ""


def test_another_municipalitys_visit_is_not_found(presence):
    for user in (presence.guard, presence.coordinator):
        answer = _log(_client(user), presence.there_visit, {"outcome": "done"})
        assert answer.status_code == 404
    assert PlannedVisit.objects.get(pk=presence.there_visit.pk).outcome == ""


def test_the_coordinator_logs_every_team_and_visitors_none(presence):
    answer = _log(_client(presence.coordinator), presence.walker_visit, {"outcome": "done"})
    assert answer.json()["outcome"] == "done"
    assert _log(_client(), presence.guard_visit, {"outcome": "done"}).status_code == 403
    planner = make_user("planner", "pres")
    assert _log(_client(planner), presence.guard_visit, {"outcome": "done"}).status_code == 403
    assert PlannedVisit.objects.get(pk=presence.guard_visit.pk).outcome == ""


def test_the_log_is_in_the_openapi_schema(db):
    schema = _client().get(reverse("schema"), HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/presence/visits/{id}/log"]["post"]
    assert "200" in operation["responses"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/VisitLogInput")

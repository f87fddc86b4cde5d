"""Text enters clean, identifiers and dates parse strictly, logs stay one line per event.

* Every serializer and every form of the project refuses control characters in its text
  fields (checked by enumerating them all), and every place where text enters answers 400
  naming the field.
* Path and query identifiers are ASCII digits only (``/open311/v2/requests/%C2%B2.json``).
* Date filters are bounded, so that the situation picture's previous period stays
  representable (``?from=0001-01-02&to=9999-12-30``).
* A CSP report cannot forge a log line.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import pkgutil
import uuid

import pytest
from django import forms
from rest_framework import serializers

from gis.core.csvsafe import safe_cell
from gis.core.idparse import is_ascii_id, parse_id
from gis.core.logsafe import log_value
from gis.core.textguard import (
    TextInputFormMixin,
    TextInputSerializerMixin,
    control_character,
    reject_control_characters,
)
from tests.dashboard.conftest import PASSWORD, add_fixes, make_user
from tests.walks.conftest import finding_feature, inside_lonlat, route_lonlat
from walks.models import ResidentPin, WalkAudit

CONTROL = "före\u000b\u0001efter"
PACKAGES = ("gis", "walks", "layers")
SKIP_MODULES = (".migrations", ".settings", "gis.notebook", "gis.cli")


def _project_modules():
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if any(part in info.name for part in SKIP_MODULES):
                continue
            yield importlib.import_module(info.name)


def _project_classes(base: type) -> list[type]:
    found = {}
    for module in _project_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__.startswith(PACKAGES):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[k] for k in sorted(found)]


def _text_fields(fields) -> list:
    out = []
    for name, field in fields.items():
        child = getattr(field, "child", None)
        if isinstance(child, serializers.CharField) and not child.read_only:
            out.append((f"{name}[]", child))
        if isinstance(field, serializers.CharField) and not field.read_only:
            out.append((name, field))
    return out


# --- every serializer and form ------------------------------------------------------------


def test_every_serializer_refuses_control_characters(db):
    classes = [
        c
        for c in _project_classes(serializers.BaseSerializer)
        if not issubclass(c, serializers.ListSerializer) and c.__module__ != "gis.core.textguard"
    ]
    assert len(classes) > 20  # the enumeration finds the project's serializers
    missing, unguarded = [], []
    for cls in classes:
        if not issubclass(cls, TextInputSerializerMixin):
            missing.append(cls.__qualname__)
            continue
        for name, field in _text_fields(cls().fields):
            if reject_control_characters not in field.validators:
                unguarded.append(f"{cls.__qualname__}.{name}")
    assert not missing and not unguarded, (missing, unguarded)


def test_every_form_refuses_control_characters(demo):
    from gis.fixes.models import Fix

    user = make_user("walk_leader", prefix="forms")
    arguments = {
        "WalkForm": {"user": user},
        "StatusForm": {"fix": Fix(status="proposed")},
        "UploadForm": {"layers": ["lamps"], "municipalities": [demo]},
        "MappingForm": {"detected": {"columns": ["namn"]}, "layer": "lamps"},
    }
    classes = _project_classes(forms.BaseForm)
    assert {c.__name__ for c in classes} >= {"WalkForm", "StatusForm", "FixFilterForm"}
    for cls in classes:
        assert issubclass(cls, TextInputFormMixin), cls
        form = cls(**arguments.get(cls.__name__, {}))
        for name, field in form.fields.items():
            if isinstance(field, forms.CharField):
                assert reject_control_characters in field.validators, f"{cls.__name__}.{name}"


def test_control_characters_are_told_apart():
    assert control_character("rad ett\r\nrad två\tslut \u202e") is None
    assert control_character(CONTROL) == (4, "\u000b")
    assert control_character("ensam\rretur") == (5, "\r")
    assert control_character("\u0085") and control_character("\ud800")


# --- every place where text enters: 400 naming the field ------------------------------------


@pytest.fixture
def superuser(client, demo):
    user = make_user(None, prefix="control")
    user.is_superuser = user.is_staff = True
    user.save(update_fields=["is_superuser", "is_staff"])
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _pin(demo) -> ResidentPin:
    from django.utils import timezone

    from walks.models import Category

    return ResidentPin.objects.create(
        municipality=demo,
        category=Category.objects.get(code="lighting"),
        when="evening",
        description="Mörkt",
        geom=demo.boundary.point_on_surface,
        reported_at=timezone.now(),
    )


def _pin_post(client, demo, walk, text):
    lon, lat = inside_lonlat(demo)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "category": "lighting",
        "when": "evening",
        "description": text,
    }
    return client.post("/api/pins/", body, content_type="application/json")


def _finding_post(client, demo, walk, text):
    lon, lat = route_lonlat(walk)
    body = finding_feature(lon, lat, note=text)
    return client.post(
        f"/api/walks/{walk.join_code}/findings/", body, content_type="application/json"
    )


def _audit_post(client, demo, walk, text):
    lon, lat = route_lonlat(walk)
    properties = {"client_uuid": str(uuid.uuid4()), "stop_name": text}
    properties.update({name: 2 for name in WalkAudit.PARAMETERS})
    body = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }
    return client.post(
        f"/api/walks/{walk.join_code}/audits/", body, content_type="application/json"
    )


def _join_post(client, demo, walk, text):
    body = {"device_token": str(uuid.uuid4()), "role": "resident", "display_name": text}
    return client.post(f"/api/walks/{walk.join_code}/join/", body, content_type="application/json")


def _open311_post(client, demo, walk, text):
    lon, lat = inside_lonlat(demo)
    body = {"service_code": "lighting", "lat": lat, "long": lon, "description": text}
    return client.post("/open311/v2/requests.json", body)


def _triage_post(client, demo, walk, text):
    pin = _pin(demo)
    body = {"status": "triaged", "public_answer": text}
    return client.post(
        f"/api/dashboard/pins/{pin.pk}/triage/", body, content_type="application/json"
    )


def _fix_api_post(client, demo, walk, text):
    fix = add_fixes(demo, "control")[0]
    body = {"status": "planned", "note": text}
    return client.post(f"/api/dashboard/fixes/{fix.pk}/", body, content_type="application/json")


def _fix_form_post(client, demo, walk, text):
    fix = add_fixes(demo, "control")[0]
    return client.post(f"/fixes/{fix.pk}/status/", {"to_status": "planned", "note": text})


def _walk_form_post(client, demo, walk, text):
    route = {"type": "LineString", "coordinates": [list(route_lonlat(walk)), [24.94, 60.17]]}
    body = {
        "municipality": demo.pk,
        "title": text,
        "starts_at": "2026-11-20 18:00",
        "time_of_day": "evening",
        "route_drawn": json.dumps(route),
    }
    return client.post("/walks/new/", body)


#: Where text enters: (name, post(client, demo, walk, text), the field named in the answer).
ENTRIES = [
    ("resident pin", _pin_post, "description"),
    ("walk finding", _finding_post, "note"),
    ("walk audit", _audit_post, "stop_name"),
    ("walk join", _join_post, "display_name"),
    ("Open311 request", _open311_post, "description"),
    ("triage", _triage_post, "public_answer"),
    ("fix status (API)", _fix_api_post, "note"),
    ("fix status (form)", _fix_form_post, "note"),
    ("walk (leader form)", _walk_form_post, "title"),
]


@pytest.mark.parametrize("post, field", [e[1:] for e in ENTRIES], ids=[e[0] for e in ENTRIES])
def test_control_characters_are_refused_naming_the_field(superuser, demo, walk, post, field):
    response = post(superuser, demo, walk, CONTROL)
    assert response.status_code == 400
    body = response.content.decode()
    assert field in body and "U+000B" in body


def test_pin_description_with_control_characters_is_400_naming_description(client, demo):
    response = _pin_post(client, demo, None, "lampan\u000b\u0001")
    assert response.status_code == 400 and "description" in response.json()
    assert not ResidentPin.objects.filter(description__startswith="lampan").exists()


@pytest.fixture
def walk(demo):
    from tests.walks.conftest import make_walk

    return make_walk(demo)


# --- identifiers: ASCII digits only ---------------------------------------------------------


@pytest.mark.parametrize("text", ["²", "١٢", "١", " 1", "+1", "-1", "1_0", "9" * 30, ""])
def test_only_ascii_digits_are_ids(text):
    assert not is_ascii_id(text)
    with pytest.raises(ValueError):
        parse_id(text)


def test_unicode_digits_in_paths_and_queries(superuser, demo):
    assert superuser.get("/open311/v2/requests/%C2%B2.json").status_code == 404
    assert superuser.get("/open311/v2/requests/%D9%A1.xml").status_code == 404
    listed = superuser.get("/open311/v2/requests.json?service_request_id=%C2%B2")
    assert listed.status_code == 400 and "service_request_id" in listed.content.decode()
    base = f"/api/dashboard/counts/?municipality={demo.code}"
    for query, name in (("district=%C2%B2", "district"), ("severity=%C2%B2", "severity")):
        response = superuser.get(f"{base}&{query}")
        assert response.status_code == 400 and name in response.json(), query
    fixes = superuser.get(f"/api/dashboard/fixes/?municipality={demo.code}&limit=%C2%B2")
    assert fixes.status_code == 400 and "limit" in fixes.json()


# --- dates: bounded for the arithmetic done on them -------------------------------------------


def test_situation_with_extreme_dates_is_400_naming_the_field(superuser, demo):
    page = superuser.get("/en/dashboard/lagesbild/?from=0001-01-02&to=9999-12-30")
    assert page.status_code == 400 and "from" in page.content.decode()
    for path in ("/dashboard/lagesbild/karta.png", "/dashboard/lagesbild.csv"):
        response = superuser.get(f"{path}?from=1950-01-01&to=9999-12-30")
        assert response.status_code == 400, path
    counts = superuser.get(f"/api/dashboard/counts/?municipality={demo.code}&to=9999-12-30")
    assert counts.status_code == 400 and "to" in counts.json()
    fine = superuser.get("/dashboard/lagesbild/?from=1900-01-01&to=2999-12-31")
    assert fine.status_code == 200


def test_open311_and_walk_api_dates_share_the_bound(superuser, demo, walk):
    response = superuser.get("/open311/v2/requests.json?start_date=0001-01-01T00:00:00Z")
    assert response.status_code == 400 and "start_date" in response.content.decode()


# --- outputs -----------------------------------------------------------------------------------


def test_csv_cells_that_begin_like_a_formula_are_prefixed():
    for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell(-3.5) == -3.5 and safe_cell(7) == 7 and safe_cell("Gatan 1") == "Gatan 1"


def test_csp_report_with_a_newline_is_one_escaped_log_line(client, settings, caplog):
    settings.TRYGG_CSP_REPORT_URI = "/csp-report"
    report = {
        "csp-report": {
            "effective-directive": "script-src",
            "blocked-uri": "https://evil.example/\nINFO forged line",
            "document-uri": "https://trygg.example/\r\nWARNING also forged",
        }
    }
    with caplog.at_level(logging.WARNING, logger="trygg.csp"):
        response = client.post(
            "/csp-report", json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    records = [r for r in caplog.records if r.name == "trygg.csp"]
    assert len(records) == 1
    line = records[0].getMessage()
    assert "\n" not in line and "\r" not in line
    assert "https://evil.example/\\nINFO forged line" in line


def test_log_values_are_escaped():
    assert log_value("a\nb") == "a\\nb"
    assert log_value("x\\ny") == "x\\\\ny"  # a backslash is doubled: no fake escapes
    assert log_value("gränd") == "gränd" and log_value("\u202e") == "\\u202e"
    assert log_value("x" * 600).endswith("…") and len(log_value("x" * 600)) == 501

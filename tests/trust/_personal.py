"""Helpers of the personal-data tests: staff users of a role, and reports made through the API."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.cache import cache

from tests.walks.conftest import inside_lonlat, jpeg_bytes, upload

PASSWORD = "personal-data-test-1"


@pytest.fixture
def fresh_media_and_limits(settings, tmp_path):
    """Uploaded photos go to a temporary folder; rate-limit counters start empty."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


def staff_user(role: str | None, *, superuser: bool = False):
    """A staff user (admin access) of every municipality in the group `role`, with PASSWORD and
    a unique name."""
    from django.contrib.auth.models import Group, User

    from gis.core.models import Municipality

    make = User.objects.create_superuser if superuser else User.objects.create_user
    user = make(f"{role or 'super'}-{uuid.uuid4().hex[:8]}", password=PASSWORD, is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    for municipality in Municipality.objects.all():
        municipality.staff.add(user)
    return user


def report_pin(api, demo, *, photo: bool = False, **fields):
    """A resident pin reported through the API (`api`: a DRF APIClient; multipart with a
    photo); returns the pin."""
    from walks.models import ResidentPin

    lon, lat = inside_lonlat(demo)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "category": "lighting",
        "when": "night",
        "description": "Mörkt vid gångtunneln",
        **fields,
    }
    if photo:
        body["geometry"] = json.dumps(body["geometry"])
        body["photo"] = upload("p.jpg", jpeg_bytes())
    response = api.post("/api/pins/", body, format="multipart" if photo else "json")
    assert response.status_code == 201, response.content[:300]
    return ResidentPin.objects.get(client_uuid=body["client_uuid"])

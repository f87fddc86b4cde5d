"""Fixtures of the notices tests: the demo municipality, in-memory mail, a public address."""

from __future__ import annotations

import uuid
from smtplib import SMTPException

import pytest
from django.core.mail.backends.base import BaseEmailBackend

PUBLIC = "https://trygg.example.se"


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message (a real Django backend, as SMTP's fails)."""

    def send_messages(self, email_messages):
        raise SMTPException("421 service not available")


@pytest.fixture(autouse=True)
def _notices_settings(settings, tmp_path):
    settings.TRYGG_PUBLIC_URL = PUBLIC
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def make_pin(demo, *, email: str = "", photo: bool = False, language: str = "sv"):
    """A resident's report in the demo, made as the report page makes it (walks.views.pins)."""
    from django.conf import settings
    from django.contrib.gis.geos import Point
    from django.utils import translation

    from tests.walks.conftest import inside_lonlat, jpeg_bytes, upload
    from walks.models import Category
    from walks.views.common import read_photo
    from walks.views.pins import create_pin

    lon, lat = inside_lonlat(demo)
    point = Point(lon, lat, srid=4326).transform(settings.TRYGG_SRID, clone=True)
    values = {
        "category": Category.objects.get(code="lighting"),
        "when": "evening",
        "description": f"Mörk passage {uuid.uuid4().hex[:6]}",
        "client_uuid": uuid.uuid4(),
    }
    picture = read_photo(upload("p.jpg", jpeg_bytes())) if photo else None
    contact = {"name": "Boende", "email": email, "phone": "070-1"} if email else {}
    with translation.override(language):
        return create_pin(values, point, demo, picture, contact=contact)

"""Fixtures of the field-app tests: an API client, a walk in the demo, photos and committed data."""

from __future__ import annotations

import io
import uuid

import pytest
from django.contrib.gis.geos import LineString
from django.core.cache import cache
from django.utils import timezone
from PIL import Image


@pytest.fixture(autouse=True)
def _fresh_limits_and_media(settings, tmp_path):
    """Rate-limit counters start empty and uploaded files go to a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def inside_lonlat(demo) -> tuple[float, float]:
    """A WGS 84 (lon, lat) inside the demo municipality."""
    point = demo.boundary.point_on_surface.transform(4326, clone=True)
    return round(point.x, 7), round(point.y, 7)


def walk_route(demo) -> LineString:
    """A short route along the demo's streets (storage SRID)."""
    from layers.models import StreetSegment

    segment = StreetSegment.objects.filter(municipality=demo, length_m__gt=80).order_by("id")[0]
    return segment.geom


def make_walk(demo, **extra):
    from walks.models import SafetyWalk

    fields = {
        "municipality": demo,
        "title": "Kvällsvandring " + uuid.uuid4().hex[:6],
        "starts_at": timezone.now(),
        "time_of_day": "evening",
        "route": walk_route(demo),
    }
    fields.update(extra)
    return SafetyWalk.objects.create(**fields)


@pytest.fixture
def walk(demo):
    return make_walk(demo)


def route_lonlat(walk) -> tuple[float, float]:
    """A WGS 84 (lon, lat) on the walk's route."""
    point = walk.route.interpolate_normalized(0.5).transform(4326, clone=True)
    return round(point.x, 7), round(point.y, 7)


def finding_feature(lon: float, lat: float, **properties) -> dict:
    props = {
        "client_uuid": str(uuid.uuid4()),
        "category": "lighting",
        "severity": 4,
        "when": "evening",
        "note": "Mörkt, lampan är trasig",
    }
    props.update(properties)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def jpeg_bytes(size=(640, 480), colour=(200, 60, 40), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def exif_with_gps(lat: float, lon: float):
    """EXIF with a GPS position and a camera make/model (all of which must be stripped)."""
    from PIL import ExifTags

    def dms(value: float):
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round((value - degrees - minutes / 60) * 3600, 4)
        return (degrees, minutes, seconds)

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "SecretPhone 9"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
        ExifTags.GPS.GPSLatitude: dms(lat),
        ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
        ExifTags.GPS.GPSLongitude: dms(lon),
    }
    return exif


def upload(name: str, data: bytes, content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)

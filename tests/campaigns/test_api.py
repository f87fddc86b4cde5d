"""Answering a digital walk through the API: anonymous points, lines and areas, idempotent
resends, the area and the dates enforced, answers checked against the questions, photos without
metadata, and the rate limits."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gis.campaigns.models import CampaignContact, CampaignFeature, CampaignPhoto, CampaignResponse

from .conftest import answer_body, make_campaign

pytestmark = pytest.mark.django_db


def url(campaign) -> str:
    return reverse("campaigns_api:responses", args=[campaign.slug])


def post(api, campaign, body, **headers):
    return api.post(url(campaign), body, format="json", **headers)


def test_an_anonymous_answer_stores_points_lines_and_areas(api, campaign):
    body = answer_body(campaign, contact_email="rut@example.org")
    answer = post(api, campaign, body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["features"] == 3
    response = CampaignResponse.objects.get(client_uuid=body["client_uuid"])
    kinds = {f.kind: f.geom.geom_type for f in response.features.all()}
    assert kinds == {"point": "Point", "avoided_way": "LineString", "avoided_place": "Polygon"}
    assert set(response.features.values_list("status", flat=True)) == {"pending"}
    assert response.answers == {"safe_day": 4, "safe_night": 2, "why": "Mörkt", "help": "Lampor"}
    assert response.address_hash and len(response.address_hash) == 64
    assert CampaignContact.objects.get(response=response).email == "rut@example.org"


def test_no_contact_is_stored_unless_given(api, campaign):
    body = answer_body(campaign)
    assert post(api, campaign, body).status_code == 201
    assert not CampaignContact.objects.filter(response__client_uuid=body["client_uuid"]).exists()


def test_a_resend_stores_nothing_twice(api, campaign):
    body = answer_body(campaign)
    first = post(api, campaign, body)
    again = post(api, campaign, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert CampaignResponse.objects.filter(client_uuid=body["client_uuid"]).count() == 1
    assert CampaignFeature.objects.filter(response__client_uuid=body["client_uuid"]).count() == 3


def test_a_place_outside_the_area_is_refused_naming_the_field(api, campaign):
    body = answer_body(campaign)
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    body["features"][0]["geometry"]["coordinates"] = [lon + 0.05, lat + 0.02]  # km away
    answer = post(api, campaign, body)
    assert answer.status_code == 400
    assert "geometry" in answer.json()["features"]["0"]
    assert not CampaignResponse.objects.filter(campaign=campaign).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answers": {"safe_day": 7}}, "answers"),
        ({"answers": {"nonsense": 1}}, "answers"),
        (
            {
                "features": [
                    {
                        "kind": "point",
                        "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                    }
                ]
            },
            "features",
        ),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"contact_email": "nope"}, "contact_email"),
        ({"features": [], "answers": {}}, "features"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, campaign, change, field):
    body = {**answer_body(campaign), **change}
    answer = post(api, campaign, body)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()


def test_a_point_needs_a_category_and_a_time(api, campaign):
    body = answer_body(campaign)
    del body["features"][0]["category"]
    answer = post(api, campaign, body)
    assert answer.status_code == 400 and "category" in answer.json()["features"]["0"]


def test_closed_on_its_end_date_and_not_open_before_its_start(api, demo):
    today = timezone.localdate()
    ended = make_campaign(
        demo, starts_on=today - dt.timedelta(days=9), ends_on=today - dt.timedelta(days=1)
    )
    last_day = make_campaign(demo, starts_on=today - dt.timedelta(days=9), ends_on=today)
    coming = make_campaign(
        demo, starts_on=today + dt.timedelta(days=1), ends_on=today + dt.timedelta(days=9)
    )
    closed_early = make_campaign(demo, closed_at=timezone.now())
    assert post(api, last_day, answer_body(last_day)).status_code == 201
    gone = post(api, ended, answer_body(ended))
    assert gone.status_code == 410 and gone.json()["code"] == "closed"
    assert "closed" in gone.json()["campaign"][0]
    assert post(api, closed_early, answer_body(closed_early)).status_code == 410
    early = post(api, coming, answer_body(coming))
    assert early.status_code == 400 and early.json()["code"] == "not_open"
    assert ended.status_on(ended.ends_on) == "open" and ended.status == "closed"


def test_an_unknown_campaign_is_404(api, campaign):
    answer = api.post(
        reverse("campaigns_api:responses", args=["no-such-walk"]),
        answer_body(campaign),
        format="json",
    )
    assert answer.status_code == 404


def test_the_honeypot_refuses(api, campaign):
    answer = post(api, campaign, answer_body(campaign, website="http://spam"))
    assert answer.status_code == 400
    assert not CampaignResponse.objects.filter(campaign=campaign).exists()


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (320, 240), (30, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_stored_without_metadata_once_per_feature(api, campaign):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = answer_body(campaign)
    assert post(api, campaign, body).status_code == 201
    photos = reverse("campaigns_api:response-photos", args=[campaign.slug, body["client_uuid"]])
    upload = SimpleUploadedFile("p.jpg", _jpeg_with_exif(), content_type="image/jpeg")
    first = api.post(photos, {"feature": 0, "photo": upload}, format="multipart")
    assert first.status_code == 201, first.content
    stored = CampaignPhoto.objects.get(feature__response__client_uuid=body["client_uuid"])
    with stored.image.open("rb") as handle:
        assert b"PhoneMaker" not in handle.read()
    upload = SimpleUploadedFile("p.jpg", _jpeg_with_exif(), content_type="image/jpeg")
    assert api.post(photos, {"feature": 0, "photo": upload}, format="multipart").status_code == 200
    assert (
        CampaignPhoto.objects.filter(feature__response__client_uuid=body["client_uuid"]).count()
        == 1
    )
    upload = SimpleUploadedFile("p.jpg", _jpeg_with_exif(), content_type="image/jpeg")
    missing = api.post(photos, {"feature": 9, "photo": upload}, format="multipart")
    assert missing.status_code == 400 and "feature" in missing.json()
    bad = api.post(
        photos,
        {"feature": 1, "photo": SimpleUploadedFile("x.jpg", b"not an image")},
        format="multipart",
    )
    assert bad.status_code == 400 and "photo" in bad.json()
    unknown = reverse("campaigns_api:response-photos", args=[campaign.slug, uuid.uuid4()])
    upload = SimpleUploadedFile("p.jpg", _jpeg_with_exif(), content_type="image/jpeg")
    assert api.post(unknown, {"feature": 0, "photo": upload}, format="multipart").status_code == 404


def test_answers_are_rate_limited_per_device(api, campaign, settings):
    settings.TRYGG_RATE_LIMITS = {"campaign_ip": "100/hour", "campaign_device": "2/hour"}
    device = {"HTTP_X_TRYGG_DEVICE": str(uuid.uuid4())}
    codes = [post(api, campaign, answer_body(campaign), **device).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    other = {"HTTP_X_TRYGG_DEVICE": str(uuid.uuid4())}
    assert post(api, campaign, answer_body(campaign), **other).status_code == 201


def test_answers_are_rate_limited_per_address(api, campaign, settings):
    settings.TRYGG_RATE_LIMITS = {"campaign_ip": "2/hour", "campaign_device": "100/hour"}
    codes = [
        post(
            api, campaign, answer_body(campaign), HTTP_X_TRYGG_DEVICE=str(uuid.uuid4())
        ).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]

"""A campaign's summary, exports, pages, candidate stops and personal data: the summary counts
what was sent, unpublished text stays off public pages and exports, the exports open, the
planner gets published places, and one address's traces are found and erased, nobody else's."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gis.campaigns import personal_data
from gis.campaigns.candidates import stop_candidates
from gis.campaigns.models import CampaignContact, CampaignFeature, CampaignResponse
from gis.campaigns.results import campaign_summary

from .conftest import PASSWORD, answer_body, make_campaign, make_user, publish_all

pytestmark = pytest.mark.django_db


def send(api, campaign, body):
    answer = api.post(reverse("campaigns_api:responses", args=[campaign.slug]), body, format="json")
    assert answer.status_code == 201, answer.content
    return body


def close(campaign):
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["closed_at"])


def test_the_summary_counts_what_was_sent(api, campaign):
    send(api, campaign, answer_body(campaign))
    second = answer_body(campaign, answers={"safe_day": 2})
    second["features"][0]["when"] = "night"
    second["features"][0]["category"] = "vegetation"
    send(api, campaign, second)
    summary = campaign_summary(campaign, published_only=False)
    assert summary["responses"] == 2
    counts = summary["counts"]
    assert counts["by_kind"] == {"point": 2, "avoided_way": 2, "avoided_place": 2}
    by_category = {row["category"]: row for row in counts["by_category"]}
    assert by_category["lighting"]["by_when"] == {"day": 0, "evening": 1, "night": 0}
    assert by_category["vegetation"]["by_when"] == {"day": 0, "evening": 0, "night": 1}
    assert counts["by_when"]["night"] == 3  # a point and both avoided ways
    questions = {q["key"]: q for q in summary["questions"]}
    assert questions["safe_day"]["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}
    assert questions["safe_day"]["mean"] == 3.0 and questions["safe_night"]["answered"] == 1
    assert questions["why"]["answered"] == 1
    # Both points lie at one street's middle: one most-named place, named by two answers.
    assert summary["places"][0]["answers"] == 2
    assert summary["segments"] and summary["segments"][0]["ways"] == 2
    assert summary["streets"][0]["ways"] == 2
    assert summary["map"]["heat"]["features"]
    # Published only: nothing yet.
    assert campaign_summary(campaign)["counts"]["features"] == 0


def test_streets_count_each_avoided_way_once_over_their_segments():
    from gis.campaigns.summary import streets_avoided

    segments = [
        {"name": "Yrjönkatu", "followers": [0, 1]},
        {"name": "Yrjönkatu", "followers": [1, 2]},
        {"name": "", "followers": [3]},
        {"name": "", "followers": [3, 4]},
        {"name": "Annankatu", "followers": [0, 4]},
    ]
    assert streets_avoided(segments) == [
        {"name": "Yrjönkatu", "ways": 3},
        {"name": "", "ways": 2},
        {"name": "Annankatu", "ways": 2},
        {"name": "", "ways": 1},
    ]


def test_moderation_keeps_unpublished_text_off_public_pages_and_exports(api, campaign):
    secret, shown = "Hemlig kommentar 7781", "Publicerad kommentar 5512"
    body = answer_body(campaign)
    body["features"][0]["comment"] = secret
    send(api, campaign, body)
    other = answer_body(campaign)
    other["features"][0]["comment"] = shown
    send(api, campaign, other)
    CampaignFeature.objects.filter(comment=shown).update(status="published")
    CampaignFeature.objects.filter(comment=secret).update(status="rejected")
    close(campaign)
    page = Client().get(reverse("campaigns:results", args=[campaign.slug])).content.decode()
    assert shown in page and secret not in page
    staff = Client()
    staff.force_login(make_user("coordinator", prefix="camp"))
    for fmt in ("geojson", "csv"):
        body = staff.get(reverse("campaigns:export", args=[campaign.slug, fmt]))
        text = b"".join(body).decode() if body.streaming else body.content.decode()
        assert shown in text and secret not in text, fmt
    everything = staff.get(reverse("campaigns:export", args=[campaign.slug, "csv"]) + "?all=1")
    assert secret in everything.content.decode() and "rejected" in everything.content.decode()


def test_the_exports_open(api, campaign, tmp_path):
    import pyogrio

    send(api, campaign, answer_body(campaign, contact_email="hidden@example.org"))
    publish_all(campaign)
    staff = Client()
    staff.force_login(make_user("analyst", prefix="camp"))
    geojson = staff.get(reverse("campaigns:export", args=[campaign.slug, "geojson"]))
    assert geojson.status_code == 200 and geojson["Content-Type"] == "application/geo+json"
    collection = json.loads(geojson.content)
    assert len(collection["features"]) == 3
    lon, lat = collection["features"][0]["geometry"]["coordinates"]
    assert 24 < lon < 26 and 59 < lat < 61  # WGS 84, Helsinki
    assert "hidden@example.org" not in geojson.content.decode()
    csv = staff.get(reverse("campaigns:export", args=[campaign.slug, "csv"])).content.decode()
    assert csv.splitlines()[0].startswith("id,response,kind,category,category_name")
    assert len(csv.splitlines()) == 4 and ",lon,lat,wkt" in csv.splitlines()[0]
    gpkg = staff.get(reverse("campaigns:export", args=[campaign.slug, "gpkg"]))
    path = tmp_path / "c.gpkg"
    path.write_bytes(gpkg.content)
    layers = {name for name, _type in pyogrio.list_layers(path)}
    assert layers == {"points", "avoided_ways", "avoided_places"}
    assert len(pyogrio.read_dataframe(path, layer="avoided_ways")) == 1
    assert staff.get(reverse("campaigns:export", args=[campaign.slug, "shp"])).status_code == 404


def test_a_formula_in_a_comment_is_neutralised_in_the_csv(api, campaign):
    body = answer_body(campaign)
    body["features"][0]["comment"] = '=HYPERLINK("http://x")'
    send(api, campaign, body)
    publish_all(campaign)
    staff = Client()
    staff.force_login(make_user("coordinator", prefix="camp"))
    csv = staff.get(reverse("campaigns:export", args=[campaign.slug, "csv"])).content.decode()
    assert "'=HYPERLINK" in csv


def test_candidates_are_published_places_with_their_answers(api, campaign):
    send(api, campaign, answer_body(campaign))
    send(api, campaign, answer_body(campaign))
    assert stop_candidates(campaign.municipality, campaign.region, "evening") == []
    publish_all(campaign)
    candidates = stop_candidates(campaign.municipality, campaign.region, "evening")
    assert candidates
    first = candidates[0]
    assert set(first) == {"kind", "ref_id", "geom", "value", "why", "look_at", "comments", "photos"}
    assert first["kind"] == "campaign" and first["geom"].geom_type == "Point"
    assert first["geom"].srid == campaign.region.srid
    assert campaign.region.buffer(30).covers(first["geom"])
    assert CampaignFeature.objects.filter(pk=first["ref_id"]).exists()
    assert campaign.title in first["why"] and "2" in first["why"]
    assert "Mörkt här" in first["comments"]
    assert [c["value"] for c in candidates] == sorted(
        (c["value"] for c in candidates), reverse=True
    )
    assert stop_candidates(campaign.municipality, campaign.region, "evening") == candidates


def test_personal_data_is_found_and_erased_for_one_address_only(api, campaign):
    mine = send(api, campaign, answer_body(campaign, contact_email="Rut@Example.org"))
    theirs = send(api, campaign, answer_body(campaign, contact_email="other@example.org"))
    found = personal_data.find("rut@example.org")
    assert len(found["campaign_responses"]) == 1
    entry = found["campaign_responses"][0]
    assert entry["email"] == "Rut@Example.org" and len(entry["features"]) == 3
    assert entry["features"][0]["geometry"]["type"] == "Point"
    json.dumps(found)  # JSON-able
    dry = personal_data.erase("rut@example.org", dry_run=True)
    assert dry["responses"] == 1 and dry["contacts"] == 1 and dry["comments"] == 2
    assert dry["text_answers"] == 2
    assert CampaignContact.objects.filter(email="Rut@Example.org").exists()
    counts = personal_data.erase("rut@example.org")
    assert counts == dry
    response = CampaignResponse.objects.get(client_uuid=mine["client_uuid"])
    assert not CampaignContact.objects.filter(response=response).exists()
    assert response.answers == {"safe_day": 4, "safe_night": 2}
    assert response.address_hash is None
    assert not response.features.exclude(comment="").exists()
    other = CampaignResponse.objects.get(client_uuid=theirs["client_uuid"])
    assert other.contact.email == "other@example.org" and other.answers["why"] == "Mörkt"
    assert other.features.exclude(comment="").count() == 2 and other.address_hash
    assert personal_data.find("rut@example.org") == {"campaign_responses": []}
    assert personal_data.erase("nobody@example.org")["responses"] == 0


def test_the_retention_purge_removes_old_emails(api, campaign):
    from walks.retention import purge_personal_data

    body = send(api, campaign, answer_body(campaign, contact_email="old@example.org"))
    CampaignResponse.objects.filter(client_uuid=body["client_uuid"]).update(
        submitted_at=timezone.now() - dt.timedelta(days=900)
    )
    counts = purge_personal_data(365, 365)
    assert counts["campaign_contacts"] >= 1 and counts["campaign_supporters"] >= 1
    assert not CampaignContact.objects.filter(email="old@example.org").exists()
    assert purge_personal_data(365, 365)["campaign_contacts"] == 0


def test_the_public_pages_in_both_languages(campaign):
    client = Client()
    answer = client.get(f"/trygghetsvandring/{campaign.slug}/")
    assert answer.status_code == 200 and campaign.title in answer.content.decode()
    assert "campaign-config" in answer.content.decode()
    english = client.get(f"/en/safety-walk/{campaign.slug}/")
    assert english.status_code == 200 and "Send my answers" in english.content.decode()
    results = client.get(f"/en/safety-walk/{campaign.slug}/results/")
    assert results.status_code == 200 and "still open" in results.content.decode()
    close(campaign)
    assert client.get(f"/trygghetsvandring/{campaign.slug}/").status_code == 410
    assert client.get(f"/trygghetsvandring/{campaign.slug}/resultat/").status_code == 200


def test_a_not_yet_open_campaign_says_so(demo):
    today = timezone.localdate()
    coming = make_campaign(
        demo, starts_on=today + dt.timedelta(days=3), ends_on=today + dt.timedelta(days=9)
    )
    page = Client().get(f"/en/safety-walk/{coming.slug}/").content.decode()
    assert "opens on" in page and "campaign-config" not in page


def test_the_results_page_shows_decision_and_live_status(api, campaign):
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    from gis.campaigns.admin import CampaignFeatureAdmin

    send(api, campaign, answer_body(campaign))
    publish_all(campaign)
    campaign.decision = "Vi byter belysningen <b>i vår</b>."
    campaign.save(update_fields=["decision"])
    close(campaign)
    coordinator = make_user("coordinator", prefix="camp")
    request = RequestFactory().post("/")
    request.user = coordinator
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    from django.contrib import admin as django_admin

    model_admin = CampaignFeatureAdmin(CampaignFeature, django_admin.site)
    model_admin.make_report(
        request, CampaignFeature.objects.filter(kind="point", response__campaign=campaign)
    )
    feature = CampaignFeature.objects.get(kind="point", response__campaign=campaign)
    assert feature.pin is not None and feature.pin.published and not hasattr(feature.pin, "contact")
    feature.pin.status = "measure_planned"
    feature.pin.save(update_fields=["status"])
    page = Client().get(f"/en/safety-walk/{campaign.slug}/results/").content.decode()
    assert "Vi byter belysningen &lt;b&gt;i vår&lt;/b&gt;." in page
    assert "Measure planned" in page
    # The report's tracking page links the closed campaign's results.
    track = Client().get(reverse("walks:track", args=[feature.pin.tracking_token]))
    text = track.content.decode()
    assert track.status_code == 200 and "track-digital-walks" in text
    assert reverse("campaigns:results", args=[campaign.slug]) in text
    assert User.objects.filter(pk=coordinator.pk).exists()


def test_the_staff_page_and_poster(api, campaign):
    send(api, campaign, answer_body(campaign))
    client = Client()
    assert client.login(username=make_user("partner", prefix="camp").username, password=PASSWORD)
    page = client.get(reverse("campaigns:detail", args=[campaign.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("campaigns:answer", args=[campaign.slug]) in text
    assert "1 answer" in text and "1 places, 1 avoided ways, 1 avoided places" in text
    qr = client.get(reverse("campaigns:qr", args=[campaign.slug]))
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<svg")
    poster = client.get(reverse("campaigns:poster", args=[campaign.slug])).content.decode()
    assert campaign.intro in poster and "qr.svg" in poster
    listing = client.get(reverse("campaigns:list")).content.decode()
    assert campaign.title in listing
    leader = Client()
    leader.force_login(make_user("walk_leader", prefix="camp"))
    assert leader.get(reverse("campaigns:detail", args=[campaign.slug])).status_code == 403

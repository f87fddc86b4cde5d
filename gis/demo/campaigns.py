"""The demo's digital walks: one closed four-week campaign "Digital trygghetsvandring <district>"
with about fifty answers (points with categories and comments, avoided ways along real streets,
avoided places, answers to the questions), mostly published, two of its points made resident
reports and the municipality's decision written; and one open campaign for the coming weeks.
Seeded: the same demo gives the same answers."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon
from django.db.models import Count
from django.utils import timezone

from gis.campaigns.models import Campaign, CampaignContact, CampaignFeature, CampaignResponse
from gis.core import timeofday
from gis.core.models import Municipality
from layers.models import District, StreetSegment
from walks.models import Category, ResidentPin
from walks.views.pins import create_pin

SEED = 1717
CLOSED_SLUG = "demo-digital-vandring"
OPEN_SLUG = "demo-kvallsvandring"
ANSWERS, OPEN_ANSWERS = 50, 8
COMMENTS = {
    "lighting": ("Mörkt, lamporna är släckta.", "Ingen belysning på gångvägen.", "mörkt"),
    "vegetation": ("Buskarna skymmer sikten.", "Igenvuxet längs stigen."),
    "hidden_place": ("Gångtunneln känns otäck.", "Man syns inte från gatan här."),
    "gathering": ("Gäng samlas här på kvällarna.", "Blir ofta tillrop."),
    "traffic": ("Mopeder kör på gångvägen.", "Bilar kör fort."),
    "litter": ("Skräpigt och krossat glas.",),
    "graffiti": ("Mycket klotter, känns övergivet.",),
    "wayfinding": ("Svårt att hitta rätt väg hem.",),
    "other": ("Otryggt utan att jag kan säga varför.",),
}
WHY = ("Mörkt och tomt.", "Folk som hänger där.", "Ingen ser en.", "Det har hänt saker där.")
HELP = ("Bättre belysning.", "Klipp buskarna.", "Fler människor i rörelse.", "Nattvandrare.")
DECISION = (
    "Kommunen har gått igenom alla svar. Belysningen längs gångvägen byts under våren, buskarna "
    "vid gångtunneln klipps och platsen ingår i nästa trygghetsvandring. "
    "Tack till alla som svarade!"
)


def _district(municipality: Municipality) -> District | None:
    """The district with the most resident reports (ties: the lowest id)."""
    return (
        District.objects.filter(municipality=municipality)
        .annotate(n=Count("residentpin"))
        .order_by("-n", "id")
        .first()
    )


def _segments(municipality: Municipality, district: District) -> list[StreetSegment]:
    return list(
        StreetSegment.objects.filter(
            municipality=municipality, geom__within=district.geom, length_m__gt=40
        ).order_by("id")[:400]
    )


def _answers(rng: random.Random, evening_heavy: bool = True) -> dict:
    answers = {"safe_day": rng.choice((3, 4, 4, 5, 5)), "safe_night": rng.choice((1, 2, 2, 3, 4))}
    if rng.random() < 0.6:
        answers["why"] = rng.choice(WHY)
    if rng.random() < 0.5:
        answers["help"] = rng.choice(HELP)
    return answers


def _features(rng, segments, hot, categories) -> list[dict]:
    """One answer's features: one to three points (often at one of the hot streets), sometimes an
    avoided way along a real street and an avoided place around a point."""
    features = []
    for _n in range(rng.choice((1, 1, 2, 3))):
        segment = rng.choice(hot) if rng.random() < 0.6 else rng.choice(segments)
        category = rng.choice(categories)
        spot = segment.geom.interpolate_normalized(rng.uniform(0.3, 0.7))
        spot.srid = segment.geom.srid
        comments = COMMENTS.get(category.code, ("",))
        features.append(
            {
                "kind": "point",
                "geom": spot,
                "category": category,
                "when": rng.choice(("evening", "evening", "night", "night", "day")),
                "comment": rng.choice(comments) if rng.random() < 0.8 else "",
            }
        )
    if rng.random() < 0.25:
        segment = rng.choice(hot)
        features.append(
            {"kind": "avoided_way", "geom": segment.geom, "when": "night", "comment": ""}
        )
    if rng.random() < 0.12:
        centre = rng.choice(hot).geom.interpolate_normalized(0.5)
        area = centre.buffer(35, quadsegs=4)
        area.srid = centre.srid
        features.append(
            {"kind": "avoided_place", "geom": area, "when": "evening", "comment": "Går inte här."}
        )
    return features


def _store(campaign, rng, count, start: datetime, days: int, segments, hot, categories) -> None:
    for index in range(count):
        submitted = start + timedelta(days=rng.uniform(0, days), hours=rng.uniform(0, 12))
        response = CampaignResponse.objects.create(
            campaign=campaign,
            client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            submitted_at=submitted,
            answers=_answers(rng),
            language="sv",
        )
        if index % 10 == 3:
            CampaignContact.objects.create(response=response, email=f"svar{index}@exempel.se")
        for feature in _features(rng, segments, hot, categories):
            draw = rng.random()
            status = "published" if draw < 0.85 else ("pending" if draw < 0.95 else "rejected")
            CampaignFeature.objects.create(
                response=response,
                status=status,
                moderated_at=submitted + timedelta(days=1) if status != "pending" else None,
                **feature,
            )


def _last_middle_of(when: str, now: datetime) -> datetime:
    """The latest instant before `now` at the middle of the local time of day `when`."""
    start, end = timeofday.period(when).span
    today = timezone.localdate(now)
    for back in range(3):
        day = today - timedelta(days=back)
        instant = timeofday.local_instant(day, (start + end) / 2, settings.TIME_ZONE)
        if instant <= now:
            return instant
    return now


def _make_reports(campaign: Campaign, now: datetime) -> None:
    """The first two published points of the campaign become resident reports, one with a
    measure planned, as the coordinator's back-office action does."""
    points = (
        CampaignFeature.objects.filter(
            response__campaign=campaign, kind="point", status="published"
        )
        .select_related("category")
        .order_by("response__submitted_at", "id")[:2]
    )
    for number, feature in enumerate(points):
        values = {
            "category": feature.category,
            "when": feature.when,
            "description": f"{feature.comment or feature.category.name}\n\n({campaign.title})",
            "client_uuid": uuid.UUID(int=SEED + number, version=4),
            "published": True,
        }
        pin = create_pin(values, feature.geom, campaign.municipality, None, contact={})
        # Made now, when the campaign is over, and dated at the last middle of the time of day
        # it names (the demo's pins are all in the period they say): after every ranking the
        # demo's done fix was taken from.
        reported = _last_middle_of(feature.when, now)
        changes = {"reported_at": reported} | ({"status": "measure_planned"} if number == 0 else {})
        ResidentPin.objects.filter(pk=pin.pk).update(**changes)
        feature.pin = pin
        feature.save(update_fields=["pin"])


def load_campaigns(municipality: Municipality, now: datetime) -> None:
    """The closed and the open demo campaign, unless already there."""
    if Campaign.objects.filter(slug__in=(CLOSED_SLUG, OPEN_SLUG)).exists():
        return
    district = _district(municipality)
    if district is None:
        return
    segments = _segments(municipality, district)
    if len(segments) < 10:
        return
    rng = random.Random(SEED)
    hot = rng.sample(segments, 6)
    categories = list(Category.objects.order_by("code"))
    today = timezone.localdate(now)
    closed = Campaign.objects.create(
        municipality=municipality,
        title=f"Digital trygghetsvandring {district.name}",
        slug=CLOSED_SLUG,
        district=district,
        starts_on=today - timedelta(days=42),
        ends_on=today - timedelta(days=15),
        intro="Var känner du dig otrygg i området? Markera platser, vägar du undviker och svara "
        "på några frågor. Svaren är anonyma och blir underlag för kommunens trygghetsvandring.",
        decision=DECISION,
    )
    start = now - timedelta(days=42)
    _store(closed, rng, ANSWERS, start, 27, segments, hot, categories)
    _make_reports(closed, now)
    area = district.geom if isinstance(district.geom, MultiPolygon) else MultiPolygon(district.geom)
    upcoming = Campaign.objects.create(
        municipality=municipality,
        title=f"Kvällsvandring digitalt {district.name}",
        slug=OPEN_SLUG,
        area=area,
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=25),
        intro="Hur känns det att röra sig här på kvällen? Berätta på kartan.",
    )
    _store(upcoming, rng, OPEN_ANSWERS, now - timedelta(days=3), 3, segments, hot, categories)

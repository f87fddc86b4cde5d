"""A resident's rights under the GDPR for digital walks: find and erase what is tied to one
e-mail address. The `trygg personal-data export|erase` command (gis.notices) calls these.

What is tied to an address is each answer that left it (`CampaignContact`): the e-mail itself,
the answer's free text (answers to text questions, comments of its features), its photos, and the
keyed hash of the network address and the device token it came from. Erasing removes those as the
retention purge does (gis.campaigns.retention) and keeps what the statistics need: the places,
categories, times of day and scale answers, without anything that leads back to the person.
"""

from __future__ import annotations

import json

from django.db import transaction

from gis.campaigns.models import (
    TEXT,
    CampaignContact,
    CampaignFeature,
    CampaignPhoto,
    CampaignResponse,
)
from gis.core.api.fields import to_wgs84


def _responses(email: str):
    address = (email or "").strip()
    if not address:
        return CampaignResponse.objects.none()
    return (
        CampaignResponse.objects.filter(contact__email__iexact=address)
        .select_related("campaign", "contact")
        .prefetch_related("features__photos", "features__category")
        .order_by("submitted_at", "id")
    )


def find(email: str) -> dict:
    """Everything of digital walks tied to `email`, JSON-able: ``{"campaign_responses": [{
    "campaign", "slug", "submitted_at", "email", "answers", "features": [{"id", "kind",
    "category", "when", "comment", "status", "geometry" (GeoJSON, WGS 84), "photos": [path]}]}]}``.
    """
    result = []
    for response in _responses(email):
        features = []
        for feature in response.features.all():
            features.append(
                {
                    "id": feature.pk,
                    "kind": feature.kind,
                    "category": feature.category.code if feature.category_id else None,
                    "when": feature.when,
                    "comment": feature.comment,
                    "status": feature.status,
                    "geometry": json.loads(to_wgs84(feature.geom).json),
                    "photos": [p.image.name for p in feature.photos.all() if p.image],
                }
            )
        result.append(
            {
                "campaign": response.campaign.title,
                "slug": response.campaign.slug,
                "submitted_at": response.submitted_at.isoformat(),
                "email": response.contact.email,
                "answers": response.answers,
                "features": features,
            }
        )
    return {"campaign_responses": result}


def _scale_only(response: CampaignResponse) -> dict:
    kinds = {q["key"]: q["kind"] for q in response.campaign.questions}
    return {k: v for k, v in (response.answers or {}).items() if kinds.get(k) != TEXT}


def delete_photos(queryset) -> int:
    """Delete photos with their files; how many."""
    count = 0
    for photo in queryset.iterator():
        for field in (photo.image, photo.thumbnail):
            if field:
                field.delete(save=False)
        photo.delete()
        count += 1
    return count


def erase(email: str, *, dry_run: bool = False) -> dict:
    """Erase the personal parts of every answer tied to `email` (see the module); with
    `dry_run` only count. Returns counts: responses, contacts, comments, text_answers, photos,
    supporters (address hash / device token). One transaction; another address's answers are
    untouched."""
    responses = list(_responses(email))
    ids = [r.pk for r in responses]
    features = CampaignFeature.objects.filter(response_id__in=ids)
    counts = {
        "responses": len(ids),
        "contacts": CampaignContact.objects.filter(response_id__in=ids).count(),
        "comments": features.exclude(comment="").count(),
        "text_answers": sum(len(r.answers or {}) - len(_scale_only(r)) for r in responses),
        "photos": CampaignPhoto.objects.filter(feature__response_id__in=ids).count(),
        "supporters": sum(1 for r in responses if r.address_hash or r.device_token),
    }
    if dry_run or not ids:
        return counts
    with transaction.atomic():
        delete_photos(CampaignPhoto.objects.filter(feature__response_id__in=ids))
        features.exclude(comment="").update(comment="")
        for response in responses:
            response.answers = _scale_only(response)
            response.address_hash = None
            response.device_token = None
            response.save(update_fields=["answers", "address_hash", "device_token"])
        CampaignContact.objects.filter(response_id__in=ids).delete()
    return counts

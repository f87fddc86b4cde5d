"""Retention of digital walks' personal data, purged with the walks' (walks.retention, the
`trygg purge_personal_data` command), counted from when an answer was submitted:

* the e-mail a resident left (`CampaignContact`) is deleted;
* photos of features are deleted, files and rows;
* the keyed hash of the address and the device token of an answer are emptied.

Published comments stay: they are the campaign's public results, read by a moderator. The
places, categories, times of day and answers to the questions stay for the statistics.
"""

from __future__ import annotations

from datetime import datetime

from gis.campaigns.models import CampaignContact, CampaignPhoto, CampaignResponse
from gis.campaigns.personal_data import delete_photos


def kinds(cutoff: datetime) -> dict:
    """The digital walks' kinds of personal data older than `cutoff` and how to remove them."""
    return {
        "campaign_contacts": (
            CampaignContact.objects.filter(response__submitted_at__lt=cutoff),
            lambda q: q.delete(),
        ),
        "campaign_photos": (
            CampaignPhoto.objects.filter(uploaded_at__lt=cutoff),
            delete_photos,
        ),
        "campaign_supporters": (
            CampaignResponse.objects.filter(submitted_at__lt=cutoff).exclude(
                address_hash__isnull=True, device_token__isnull=True
            ),
            lambda q: q.update(address_hash=None, device_token=None),
        ),
    }

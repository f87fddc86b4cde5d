"""Who may see and manage digital walks, from the roles in `gis.core.roles`.

* The staff page of a campaign, its poster, QR code, summary and exports need
  `campaigns.view_campaign` (every role that views all layers, EST partners' members included);
  photos of features not yet published only with `campaigns.view_campaignphoto`.
* Opening, closing and moderating are done in the back office: `campaigns.change_campaign` and
  `campaigns.change_campaignfeature` (the coordinator).
* Everything is limited to the municipalities the user works for (:mod:`gis.core.tenancy`):
  another municipality's campaign is not found (404).
"""

from __future__ import annotations

from django.db.models import QuerySet

from gis.campaigns.models import Campaign
from gis.core import tenancy

VIEW_PERMISSION = "campaigns.view_campaign"
PHOTO_PERMISSION = "campaigns.view_campaignphoto"
MODERATE_PERMISSION = "campaigns.change_campaignfeature"


def can_view(user) -> bool:
    """Whether `user` may open the staff pages of digital walks."""
    return bool(user and user.is_authenticated and user.has_perm(VIEW_PERMISSION))


def sees_hidden_photos(user) -> bool:
    """Whether `user` sees photos of features not (yet) published."""
    return bool(user and user.is_authenticated and user.has_perm(PHOTO_PERMISSION))


def can_moderate(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(MODERATE_PERMISSION))


def campaigns(user) -> QuerySet[Campaign]:
    """The campaigns of the municipalities `user` works for."""
    return tenancy.scope(Campaign.objects.select_related("municipality", "district"), user)

"""Who may use the import page, into which layers and for which municipalities.

* Planners and coordinators (the ``layers.add_importbatch`` permission, gis.core.roles) import
  any layer for the municipalities they work for (gis.core.tenancy; superusers: every one).
* A member of an EST partner (gis.core.partners) uploads only incidents, for the partner's
  municipality; the incidents get the partner and the partner's source.
* Everyone else is refused (the views answer 403; anonymous visitors go to the login page).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from gis.core import tenancy
from gis.core.models import Municipality
from gis.core.partners import Partner, partners_of
from layers.batches import LAYERS

PERMISSION = "layers.add_importbatch"


@dataclass(frozen=True)
class Importer:
    """What one user may import: `layers` (keys of batches.LAYERS) into `municipalities`; a
    partner member's imports are the `partner`'s."""

    municipalities: QuerySet[Municipality]
    layers: tuple[str, ...]
    partner: Partner | None = None

    def may(self, municipality_id: int, layer: str) -> bool:
        return layer in self.layers and self.municipalities.filter(pk=municipality_id).exists()


def importer(user) -> Importer | None:
    """What `user` may import, or None when they may not use the import page."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.has_perm(PERMISSION):
        return Importer(tenancy.municipalities(user), tuple(LAYERS))
    partner = partners_of(user).select_related("municipality").order_by("pk").first()
    if partner is not None:
        municipalities = Municipality.objects.filter(pk=partner.municipality_id)
        return Importer(municipalities, ("incidents",), partner)
    return None


def can_import(user) -> bool:
    """Whether `user` may use the import page at all (the header's link)."""
    return importer(user) is not None

"""The change log that versions a municipality's reports for the tile cache."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MapChange(models.Model):
    """One statement that changed the reports (resident pins, walk findings, incidents) of a
    municipality, written by the database's own triggers (migration 0001 of this app), so that
    every path counts: the ORM, bulk updates, imports by COPY, raw SQL.

    The newest id of a municipality is the version of its report map: cached report tiles are
    keyed by it (:mod:`gis.dashboard.tilecache`). A row without a municipality (a TRUNCATE)
    changes every municipality's version. Each statement replaces the rows of the municipalities
    it touched by a new one, skipping (not waiting for) rows another writer holds, so the log
    stays a row or two a municipality and writers never queue here. No foreign key: a
    municipality deleted with its reports leaves its last row behind, and the cascade must not
    fail on it.
    """

    municipality_id = models.BigIntegerField(_("municipality id"), null=True)
    changed_at = models.DateTimeField(_("changed at"), db_default=models.functions.Now())

    class Meta:
        verbose_name = _("map change")
        verbose_name_plural = _("map changes")
        indexes = [models.Index(fields=["municipality_id", "-id"], name="mapchange_muni_id")]

    def __str__(self) -> str:
        return f"{self.municipality_id or 'all'} #{self.pk}"

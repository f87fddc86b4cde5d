"""Stored analysis runs (heat map, Gi*, emerging hotspots, prioritisation) and their hotspot
cells. Cell geometry is in the installation's metric CRS (TRYGG_SRID).

The tables keep the names they had in the `trygg` app (`trygg_analysisrun`, `trygg_hotspotcell`):
the models moved here without touching data.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from gis.core.models import SRID


class AnalysisRun(models.Model):
    """One run of an analysis (heat map, Gi*, emerging hotspots, prioritisation) and its inputs."""

    class Kind(models.TextChoices):
        HEATMAP = "heatmap", _("Heat map")
        GISTAR = "gistar", _("Hotspots (Gi*)")
        EMERGING = "emerging", _("Emerging hotspots")
        PRIORITISE = "prioritise", _("Prioritisation")

    municipality = models.ForeignKey("core.Municipality", on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict)
    period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    period_end = models.DateTimeField(_("period end"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("run by"),
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)
    data_version = models.CharField(_("data version"), max_length=64, blank=True, default="")
    summary = models.JSONField(_("summary"), default=dict)
    raster = models.FileField(_("raster"), upload_to="analysis/", blank=True)

    class Meta:
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")
        db_table = "trygg_analysisrun"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class HotspotCell(models.Model):
    """One grid cell of a hotspot or emerging-hotspot run."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="cells")
    cell_id = models.BigIntegerField(_("cell"))
    category = models.CharField(_("category"), max_length=32)
    z = models.FloatField(_("z-score"), null=True)
    p = models.FloatField(_("p-value"), null=True)
    value = models.FloatField(_("value"), default=0)
    geom = models.PolygonField(_("cell"), srid=SRID)

    class Meta:
        db_table = "trygg_hotspotcell"
        verbose_name = _("hotspot cell")
        verbose_name_plural = _("hotspot cells")
        constraints = [
            models.UniqueConstraint(fields=["run", "cell_id"], name="hotspot_cell_unique")
        ]

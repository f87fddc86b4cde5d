"""The record of each analysis job: which municipality and analysis, the fingerprint of its
inputs, when it started and ended, how it ended and the stored run it made."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Analysis(models.TextChoices):
    """The analyses a job runs (the kinds of :class:`gis.hotspots.models.AnalysisRun`)."""

    HEATMAP = "heatmap", _("Heat map")
    GISTAR = "gistar", _("Hotspots (Gi*)")
    EMERGING = "emerging", _("Emerging hotspots")
    PRIORITISE = "prioritise", _("Prioritisation")


class JobRun(models.Model):
    """One run of one analysis for one municipality (nightly batch or the recompute page)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.CASCADE, verbose_name=_("municipality")
    )
    analysis = models.CharField(_("analysis"), max_length=16, choices=Analysis.choices)
    fingerprint = models.CharField(_("input fingerprint"), max_length=64)
    started = models.DateTimeField(_("started"))
    ended = models.DateTimeField(_("ended"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    error = models.TextField(_("error"), blank=True, default="")
    run = models.ForeignKey(
        "hotspots.AnalysisRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("analysis run"),
    )

    class Meta:
        verbose_name = _("analysis job")
        verbose_name_plural = _("analysis jobs")
        ordering = ["-started", "-pk"]
        indexes = [
            models.Index(
                fields=["municipality", "analysis", "fingerprint"], name="jobs_run_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_analysis_display()} {self.started:%Y-%m-%d %H:%M} {self.status}"

"""Ranked physical-environment fixes and their status history. A fix's place is stored in the
installation's metric CRS (TRYGG_SRID).

The tables keep the names they had in the `trygg` app (`trygg_fix`, `trygg_fixstatuschange`,
`trygg_fix_pins`): the models moved here without touching data.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from gis.core.models import SRID, StatusChange
from gis.core.vocabulary import Department


class Fix(models.Model):
    """A proposed physical-environment fix for a place, ranked and routed to its department."""

    class Type(models.TextChoices):
        REPAIR_LAMPS = "repair_lamps", _("Repair lamps")
        ADD_LIGHTING = "add_lighting", _("Add lighting")
        CLEAR_VEGETATION = "clear_vegetation", _("Trim or clear vegetation")
        REDESIGN = "redesign", _("Open up a hidden corner or redesign")
        CLEAN = "clean", _("Clean graffiti or litter")
        REFER_POLICE = "refer_police", _("Refer to the police")
        REFER_HOUSING = "refer_housing", _("Refer to the housing company")
        REFER_SOCIAL = "refer_social", _("Refer to social services")
        PROPERTY_REPAIR = "property_repair", _("Repair the property")
        PROPERTY_LIGHTING = "property_lighting", _("Light the property's surroundings")
        PROPERTY_ALARM = "property_alarm", _("Alarm or perimeter protection")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLANNED = "planned", _("Planned")
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    municipality = models.ForeignKey("core.Municipality", on_delete=models.CASCADE)
    run = models.ForeignKey(
        "hotspots.AnalysisRun", on_delete=models.SET_NULL, null=True, blank=True
    )
    fix_type = models.CharField(_("fix"), max_length=20, choices=Type.choices)
    department = models.CharField(_("department"), max_length=16, choices=Department.choices)
    cost_class = models.PositiveSmallIntegerField(_("cost class"))
    score = models.FloatField(_("score"))
    # Rank in the latest prioritisation run; empty when that run no longer proposes the fix
    # (a planner's fix is kept with its status and history, see gis.fixes.persist).
    rank = models.PositiveIntegerField(_("rank"), db_index=True, null=True, blank=True)
    segment = models.ForeignKey(
        "layers.StreetSegment", on_delete=models.CASCADE, null=True, blank=True
    )
    green_area = models.ForeignKey(
        "layers.GreenArea", on_delete=models.CASCADE, null=True, blank=True
    )
    # A municipal property's fix (gis.priority.properties); its place is the property's area.
    property = models.ForeignKey(
        "layers.Property",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fixes",
        verbose_name=_("municipal property"),
    )
    reasons = models.JSONField(_("reasons"), default=list)
    explanation = models.TextField(_("explanation"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    answer = models.TextField(_("answer to residents"), blank=True, default="")
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status changed by"),
    )
    pins = models.ManyToManyField("walks.ResidentPin", blank=True, related_name="fixes")
    geom = models.GeometryField(_("place"), srid=SRID)

    class Meta:
        db_table = "trygg_fix"
        verbose_name = _("fix")
        verbose_name_plural = _("fixes")
        ordering = ["rank"]
        # A municipality's work list, in rank order.
        indexes = [models.Index(fields=["municipality", "rank"], name="fix_muni_rank")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "fix_type", "segment"],
                condition=models.Q(segment__isnull=False),
                name="fix_unique_per_segment",
            ),
            models.UniqueConstraint(
                fields=["municipality", "fix_type", "green_area"],
                condition=models.Q(green_area__isnull=False),
                name="fix_unique_per_green_area",
            ),
            models.UniqueConstraint(
                fields=["municipality", "fix_type", "property"],
                condition=models.Q(property__isnull=False),
                name="fix_unique_per_property",
            ),
        ]

    def __str__(self) -> str:
        rank = f"#{self.rank} " if self.rank else ""  # 0 is no rank (explain.rank)
        return f"{rank}{self.get_fix_type_display()}"


#: The fixes of a municipal property (gis.priority.properties): no follow-up at a street or park.
PROPERTY_FIX_TYPES = (
    Fix.Type.PROPERTY_REPAIR,
    Fix.Type.PROPERTY_LIGHTING,
    Fix.Type.PROPERTY_ALARM,
)


class FixStatusChange(StatusChange):
    """The history of a fix: every status change with who made it and when."""

    fix = models.ForeignKey(Fix, on_delete=models.CASCADE, related_name="history")

    class Meta(StatusChange.Meta):
        db_table = "trygg_fixstatuschange"

"""Presence: the partners' patrol capacity, the week's visit plans, the visit log and the
non-physical measures EST decides. Places are stored in the installation's metric CRS
(TRYGG_SRID)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from gis.core.models import SRID, MunicipalRecord

#: Weekday codes of a shift, Monday first (`--days mon,tue,…`); index = `date.weekday()`.
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: A visit lasts 10-15 minutes (the Koper curve).
VISIT_MINUTES = (10, 15)


class Actor(models.TextChoices):
    """Who is present: the EST partners that patrol or meet people."""

    POLICE = "police", _("Police")
    GUARD = "guard", _("Security guards")
    HOST = "host", _("Safety hosts")
    NIGHT_WALKERS = "night_walkers", _("Night walkers")
    FIELD_TEAM = "field_team", _("Field workers")


class Mode(models.TextChoices):
    """How a team moves between visits; the travel speed comes from the street network."""

    FOOT = "foot", _("On foot")
    BIKE = "bike", _("By bike")
    CAR = "car", _("By car")


class PresenceResource(MunicipalRecord):
    """One partner's patrol capacity: its teams, their mode and their weekly shift window.

    The window runs from ``shift_start`` to ``shift_end`` on each of ``weekdays`` (local clock);
    an end at or before the start passes midnight, so a Friday 20:00-03:00 shift ends on
    Saturday morning.
    """

    name = models.CharField(_("name"), max_length=100)
    actor = models.CharField(_("actor"), max_length=16, choices=Actor.choices)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.FOOT)
    partner = models.ForeignKey(
        "core.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="presence_resources",
        verbose_name=_("partner"),
    )
    weekdays = ArrayField(
        models.CharField(max_length=3, choices=[(d, d) for d in WEEKDAYS]),
        verbose_name=_("weekdays"),
        help_text=_("Days the shift begins, e.g. fri,sat."),
    )
    shift_start = models.TimeField(_("shift begins"))
    shift_end = models.TimeField(
        _("shift ends"), help_text=_("At or before the start: the shift passes midnight.")
    )
    teams = models.PositiveSmallIntegerField(
        _("teams"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )

    class Meta:
        verbose_name = _("presence resource")
        verbose_name_plural = _("presence resources")
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="presence_resource_unique_name"
            ),
            models.CheckConstraint(
                condition=models.Q(teams__gte=1), name="presence_resource_teams_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def windows(self, monday: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The shift windows that begin in the ISO week starting ``monday``, on the local clock
        of the installation, as aware datetimes (a window may end in the next week)."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(settings.TIME_ZONE)
        result = []
        for offset, code in enumerate(WEEKDAYS):
            if code not in self.weekdays:
                continue
            day = monday + dt.timedelta(days=offset)
            start = dt.datetime.combine(day, self.shift_start, tzinfo=zone)
            end_day = day if self.shift_end > self.shift_start else day + dt.timedelta(days=1)
            result.append((start, dt.datetime.combine(end_day, self.shift_end, tzinfo=zone)))
        return result

    def team_names(self) -> list[str]:
        """A name per team: the resource's own when it has one team, else "Name 1", "Name 2"…"""
        if self.teams == 1:
            return [self.name]
        return [f"{self.name} {k}" for k in range(1, self.teams + 1)]


class PresencePlan(MunicipalRecord):
    """The visits planned for one ISO week (``2026-W50``); planning again replaces the visits
    not yet logged."""

    week = models.CharField(_("week"), max_length=8, help_text=_("ISO week, e.g. 2026-W50."))
    seed = models.BigIntegerField(_("seed"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planned by"),
    )
    # Figures of the planning run: harm covered, places considered, travel minutes …
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("presence plan")
        verbose_name_plural = _("presence plans")
        ordering = ["municipality", "-week"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "week"], name="presence_plan_week")
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.week}"


class PlannedVisit(models.Model):
    """One visit of one team: where, when (10-15 minutes), why; and what the team logged."""

    class Outcome(models.TextChoices):
        PENDING = "", _("Not logged")
        DONE = "done", _("Done")
        NOT_DONE = "not_done", _("Not done")

    plan = models.ForeignKey(
        PresencePlan, on_delete=models.CASCADE, related_name="visits", verbose_name=_("plan")
    )
    resource = models.ForeignKey(
        PresenceResource,
        on_delete=models.CASCADE,
        related_name="visits",
        verbose_name=_("resource"),
    )
    team = models.CharField(_("team"), max_length=110)
    starts_at = models.DateTimeField(_("begins"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    geom = models.PointField(_("place"), srid=SRID)
    place = models.CharField(_("place name"), max_length=200, blank=True, default="")
    # Machine-readable grounds: the reports and hours behind the choice.
    reason = models.TextField(_("why"), blank=True, default="")
    grounds = models.JSONField(_("grounds"), default=dict, blank=True)
    expected_harm = models.FloatField(_("expected harm"), default=0.0)
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=Outcome.choices, blank=True, default=""
    )
    note = models.TextField(_("what the team saw"), max_length=500, blank=True, default="")
    logged_at = models.DateTimeField(_("logged"), null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["plan", "team", "starts_at"]
        # A partner's team ticks its own visits on the phone (the view checks whose team).
        permissions = [("log_visit", _("Can log the visits of its own teams"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="planned_visit_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.starts_at:%Y-%m-%d %H:%M} {self.place}"

    @property
    def why(self) -> str:
        """Why the visit was planned, in the active language (rebuilt from its grounds, as
        :func:`gis.presence.reasons.reason_text` words them), else the reason as stored."""
        if self.grounds and "count" in self.grounds:
            from gis.presence.reasons import reason_text

            try:
                return reason_text(self.grounds)
            except (KeyError, TypeError, ValueError):
                pass
        return self.reason


class PresenceMeasure(MunicipalRecord):
    """A non-physical measure EST decided: a type, a place or area, a period, a responsible
    partner; recorded, planned, done, then followed up against a comparison area."""

    class Kind(models.TextChoices):
        EXTRA_PATROLS = "extra_patrols", _("Extra patrols")
        SAFETY_HOSTS = "safety_hosts", _("Safety hosts")
        NIGHT_WALKING = "night_walking", _("Night walking")
        YOUTH_DIALOGUE = "youth_dialogue", _("Dialogue with young people")
        INFORMATION = "information", _("Information")
        EVENT = "event", _("Event")
        CAMERA_MONITORING = "camera_monitoring", _("Camera monitoring")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True, default="")
    # A point (with radius_m around it) or an area.
    geom = models.GeometryField(_("place or area"), srid=SRID)
    allowed_geometry_types = ("Point", "Polygon", "MultiPolygon")
    radius_m = models.PositiveIntegerField(
        _("radius (m)"),
        default=150,
        validators=[MinValueValidator(10), MaxValueValidator(5000)],
        help_text=_("Around a point: the area the measure covers."),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    partner = models.ForeignKey(
        "core.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="presence_measures",
        verbose_name=_("responsible partner"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECORDED
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("presence measure")
        verbose_name_plural = _("presence measures")
        ordering = ["municipality", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="presence_measure_period",
            )
        ]

    def __str__(self) -> str:
        return self.title

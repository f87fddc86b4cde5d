"""The risk calendar's own days: school holidays, events and other days a municipality adds.

Public holidays, their eves and pay days are not stored: they come from the `holidays` library
and the pay-day rule each time (see :mod:`gis.riskcalendar.days`)."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gis.core.models import SRID, MunicipalRecord


class EntryKind(models.TextChoices):
    """What a stored calendar day is. School holidays (lov) differ by municipality; events
    are where people gather."""

    SCHOOL_HOLIDAY = "school_holiday", _("School holiday")
    SCHOOL_END = "school_end", _("School-leaving day")
    MATCH = "match", _("Home match")
    FESTIVAL = "festival", _("Festival")
    MARKET = "market", _("Market")
    EVENT = "event", _("Other event")
    OTHER = "other", _("Other day")


class CalendarEntry(MunicipalRecord):
    """A municipality's own calendar day or run of days (``starts_on`` to ``ends_on``, both
    inclusive), e.g. "Sportlov" for a week, or a home match at the stadium (``geom``).

    An imported entry keeps its ``source`` (the file's name or "ical") and ``source_uid`` (the
    iCal UID, or the CSV row's name and dates), so importing the same file again changes
    nothing."""

    allowed_geometry_types = ("Point",)

    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), help_text=_("Inclusive; the first day if one day."))
    geom = models.PointField(_("place"), srid=SRID, null=True, blank=True)
    source = models.CharField(_("source"), max_length=32, default="manual")
    source_uid = models.CharField(_("source uid"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("calendar entry")
        verbose_name_plural = _("calendar entries")
        ordering = ("starts_on", "name")
        constraints = [
            models.UniqueConstraint(
                fields=("municipality", "source", "source_uid"),
                condition=~models.Q(source_uid=""),
                name="riskcalendar_entry_unique_source_uid",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="riskcalendar_entry_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        if self.ends_on and self.ends_on != self.starts_on:
            return f"{self.name} ({self.starts_on}–{self.ends_on})"
        return f"{self.name} ({self.starts_on})"

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day lies before the first day.")})
        if self.starts_on and self.ends_on and (self.ends_on - self.starts_on).days > 366:
            raise ValidationError({"ends_on": _("An entry spans at most a year.")})

"""Forms of the presence page: the week asked for, and a presence resource (a partner's teams
and their weekly shift)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gis.core.partners import Partner
from gis.core.textguard import TextInputFormMixin
from gis.presence.models import WEEKDAYS, PresenceResource

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")

#: The weekday codes with their names, for the checkboxes (Monday first).
DAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}


def week_monday(week: str) -> dt.date:
    """The Monday of the ISO `week` ("2026-W50"); ValueError for anything else."""
    found = WEEK_PATTERN.match(week or "")
    if not found:
        raise ValueError(_("Give the week as YYYY-Www, e.g. 2026-W50."))
    year, number = int(found.group(1)), int(found.group(2))
    try:
        return dt.date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(_("There is no week %(week)s.") % {"week": week}) from None


def week_of(day: dt.date) -> str:
    """The ISO week ("2026-W50") `day` falls in."""
    year, number, _weekday = day.isocalendar()
    return f"{year}-W{number:02d}"


def next_week() -> str:
    """The ISO week after the current one, on the installation's clock."""
    return week_of(timezone.localdate() + dt.timedelta(days=7))


class ResourceForm(TextInputFormMixin, forms.ModelForm):
    """A partner's teams and their weekly shift; the municipality is the page's."""

    weekdays = forms.MultipleChoiceField(
        label=_("weekdays"),
        choices=list(DAY_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Days the shift begins."),
    )
    shift_start = forms.TimeField(
        label=_("shift begins"),
        input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        help_text=_("HH:MM"),
    )
    shift_end = forms.TimeField(
        label=_("shift ends"),
        input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        help_text=_("HH:MM; at or before the start: the shift passes midnight."),
    )

    class Meta:
        model = PresenceResource
        fields = [
            "name",
            "partner",
            "actor",
            "mode",
            "weekdays",
            "shift_start",
            "shift_end",
            "teams",
        ]

    def __init__(self, *args, municipality=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        partners = Partner.objects.none()
        if municipality is not None:
            self.instance.municipality = municipality
            partners = Partner.objects.filter(municipality=municipality).order_by("name")
        self.fields["partner"].queryset = partners

    def clean_weekdays(self) -> list[str]:
        chosen = set(self.cleaned_data["weekdays"])
        return [day for day in WEEKDAYS if day in chosen]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = PresenceResource.objects.filter(municipality=self.municipality, name=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("There is already a resource with this name."))
        return name

"""Query filters of the API: bounding box (WGS 84), time range, category, time of day, status.

Every filter is a django-filter filter, so the parameters appear in the OpenAPI schema and a
malformed value is a 400 naming the parameter.
"""

from __future__ import annotations

import math
from datetime import UTC

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from gis.core.api.fields import WGS84, to_storage
from gis.core.datebounds import BOUND_YEARS, out_of_bounds
from gis.core.vocabulary import WhenUnsafe
from walks.models import Category, ResidentPin, SafetyWalk, WalkFinding


class BBoxField(forms.CharField):
    """`min_lon,min_lat,max_lon,max_lat` in WGS 84 degrees."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            numbers = [float(part) for part in value.split(",")]
        except ValueError:
            raise forms.ValidationError(_("Expected min_lon,min_lat,max_lon,max_lat.")) from None
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise forms.ValidationError(_("Expected min_lon,min_lat,max_lon,max_lat."))
        min_lon, min_lat, max_lon, max_lat = numbers
        if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
            raise forms.ValidationError(
                _("Expected min_lon < max_lon in [-180, 180] and min_lat < max_lat in [-90, 90].")
            )
        return tuple(numbers)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$",
        "example": "24.92,60.16,24.96,60.18",
        "description": "Bounding box min_lon,min_lat,max_lon,max_lat in WGS 84 degrees; "
        "features intersecting it.",
    }
)
class BBoxFilter(django_filters.Filter):
    """Features intersecting a WGS 84 bounding box (like rest_framework_gis' InBBoxFilter)."""

    field_class = BBoxField

    def filter(self, qs, value):
        if not value:
            return qs
        box = Polygon.from_bbox(value)
        box.srid = WGS84
        return qs.filter(**{f"{self.field_name}__intersects": to_storage(box)})


class MomentField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, in UTC: PostgreSQL refuses offsets beyond ±15:59, and a time
    outside the bounds of :mod:`gis.core.datebounds` is refused here."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:
            moment = None
        if moment is None or out_of_bounds(moment) is not None:  # shared with every date filter
            raise forms.ValidationError(
                _("The date lies outside the years %(first)d to %(last)d.") % BOUND_YEARS
            )
        return moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    """A date-time filter whose value reaches the database in UTC (see `MomentField`)."""

    field_class = MomentField


def _categories(request):
    return Category.objects.all()


class CategoryCodesField(django_filters.fields.ModelMultipleChoiceField):
    """Category codes; one holding a NUL character, which PostgreSQL cannot compare, is
    refused before the lookup."""

    def clean(self, value):
        if any("\x00" in str(code) for code in value or ()):
            raise forms.ValidationError(_("Null characters are not allowed."))
        return super().clean(value)


@extend_schema_field({"type": "string", "description": "Category code; repeat for several."})
class CategoryFilter(django_filters.ModelMultipleChoiceFilter):
    """Category codes (repeat the parameter for several); an unknown code is a 400."""

    field_class = CategoryCodesField

    def __init__(self, **kwargs):
        super().__init__(
            field_name="category__code", to_field_name="code", queryset=_categories, **kwargs
        )


class FindingFilter(django_filters.FilterSet):
    """Findings by place, time observed, category, time of day and severity."""

    in_bbox = BBoxFilter(field_name="geom")
    since = MomentFilter(
        field_name="observed_at", lookup_expr="gte", help_text=_("Observed at or after.")
    )
    until = MomentFilter(
        field_name="observed_at", lookup_expr="lt", help_text=_("Observed before.")
    )
    category = CategoryFilter()
    when = django_filters.MultipleChoiceFilter(
        choices=WhenUnsafe.choices, help_text=_("day, evening or night; repeat for several.")
    )
    severity_min = django_filters.NumberFilter(
        field_name="severity", lookup_expr="gte", help_text=_("Lowest severity (1–5).")
    )

    class Meta:
        model = WalkFinding
        fields: list[str] = []


class PinFilter(django_filters.FilterSet):
    """Resident pins by place, time reported, category, time of day and status."""

    in_bbox = BBoxFilter(field_name="geom")
    since = MomentFilter(
        field_name="reported_at", lookup_expr="gte", help_text=_("Reported at or after.")
    )
    until = MomentFilter(
        field_name="reported_at", lookup_expr="lt", help_text=_("Reported before.")
    )
    category = CategoryFilter()
    when = django_filters.MultipleChoiceFilter(
        choices=WhenUnsafe.choices, help_text=_("day, evening or night; repeat for several.")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ResidentPin.Status.choices, help_text=_("Status; repeat for several.")
    )

    class Meta:
        model = ResidentPin
        fields: list[str] = []


class WalkFilter(django_filters.FilterSet):
    """Walks by route location, start time and status."""

    in_bbox = BBoxFilter(field_name="route")
    since = MomentFilter(
        field_name="starts_at", lookup_expr="gte", help_text=_("Starting at or after.")
    )
    until = MomentFilter(field_name="starts_at", lookup_expr="lt", help_text=_("Starting before."))
    status = django_filters.MultipleChoiceFilter(
        choices=SafetyWalk.Status.choices, help_text=_("Status; repeat for several.")
    )

    class Meta:
        model = SafetyWalk
        fields: list[str] = []

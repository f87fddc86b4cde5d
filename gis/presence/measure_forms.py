"""Forms of the presence measures: the list filters, the measure itself and a status change."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _

from gis.core.models import Municipality
from gis.core.partners import Partner
from gis.core.textguard import TextInputFormMixin
from gis.presence.models import PresenceMeasure
from layers.models import District

M = PresenceMeasure
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeasureFilterForm(TextInputFormMixin, forms.Form):
    """Which measures to list; every field is optional (GET parameters)."""

    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *M.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *M.Kind.choices]
    )
    partner = forms.TypedChoiceField(
        label=_("Responsible partner"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, municipalities=None, **kwargs) -> None:
        """`municipalities`: the ones to choose from (the user's); all when omitted."""
        super().__init__(*args, **kwargs)
        municipalities = Municipality.objects.all() if municipalities is None else municipalities
        self.fields["municipality"].choices = [
            (m.code, m.name) for m in municipalities.only("code", "name")
        ]
        partners = Partner.objects.filter(municipality__in=municipalities).order_by("name")
        self.fields["partner"].choices = [("", _("All partners"))] + [
            (p.pk, p.name) for p in partners
        ]


class MeasureForm(TextInputFormMixin, forms.Form):
    """A measure: type, title, description, place (a point and radius, or a district), period,
    responsible partner and the EST meeting that decided it."""

    municipality = forms.ChoiceField(label=_("Municipality"))
    kind = forms.ChoiceField(label=_("Type"), choices=M.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        help_text=_("Click on the map, or type the point in WGS 84 degrees."),
    )
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    radius_m = forms.IntegerField(label=_("Radius (m)"), min_value=10, max_value=5000, initial=150)
    district = forms.TypedChoiceField(
        label=_("Or a whole district"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Instead of a point: the measure covers the district."),
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("Until"), widget=DATE)
    partner = forms.TypedChoiceField(
        label=_("Responsible partner"), required=False, coerce=int, empty_value=None
    )
    decided_on = forms.DateField(
        label=_("Decided on"),
        required=False,
        widget=DATE,
        help_text=_("The date of the EST meeting that decided the measure."),
    )

    def __init__(self, *args, municipalities=None, **kwargs) -> None:
        """`municipalities`: the ones to choose from (the user's); all when omitted."""
        super().__init__(*args, **kwargs)
        municipalities = Municipality.objects.all() if municipalities is None else municipalities
        self.municipalities = municipalities
        self.fields["municipality"].choices = [
            (m.code, m.name) for m in municipalities.only("code", "name")
        ]
        partners = Partner.objects.filter(municipality__in=municipalities).order_by("name")
        self.fields["partner"].choices = [("", "–")] + [(p.pk, p.name) for p in partners]
        districts = District.objects.filter(municipality__in=municipalities).order_by("name")
        self.fields["district"].choices = [("", "–")] + [(d.pk, d.name) for d in districts]

    @classmethod
    def initial_of(cls, measure: PresenceMeasure) -> dict:
        """The form's values for an existing measure."""
        initial = {
            "municipality": measure.municipality.code,
            "kind": measure.kind,
            "title": measure.title,
            "description": measure.description,
            "radius_m": measure.radius_m,
            "starts_on": measure.starts_on,
            "ends_on": measure.ends_on,
            "partner": measure.partner_id,
            "decided_on": measure.decided_on,
        }
        if measure.geom.geom_type == "Point":
            point = measure.geom.transform(4326, clone=True)
            initial.update(lon=round(point.x, 6), lat=round(point.y, 6))
        else:
            district = District.objects.filter(
                municipality=measure.municipality, geom__equals=measure.geom
            ).first()
            initial["district"] = district.pk if district else None
        return initial

    def clean(self) -> dict:
        data = super().clean()
        municipality = self.municipalities.filter(code=data.get("municipality")).first()
        data["municipality"] = municipality
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The measure cannot end before it begins."))
        if municipality is None:
            return data
        partner = data.get("partner")
        if partner is not None:
            found = Partner.objects.filter(pk=partner, municipality=municipality).first()
            if found is None:
                self.add_error("partner", _("Choose a partner of the municipality."))
            data["partner"] = found
        data["geom"] = self._place(data, municipality)
        return data

    def _place(self, data: dict, municipality: Municipality):
        if data.get("district") is not None:
            district = District.objects.filter(
                pk=data["district"], municipality=municipality
            ).first()
            if district is None:
                self.add_error("district", _("Choose a district of the municipality."))
                return None
            return district.geom
        lon, lat = data.get("lon"), data.get("lat")
        if lon is None or lat is None:
            if "lon" not in self.errors and "lat" not in self.errors:
                self.add_error(
                    "lon", _("Click on the map to place the measure, or choose a district.")
                )
            return None
        point = Point(lon, lat, srid=4326).transform(settings.TRYGG_SRID, clone=True)
        if not municipality.boundary.contains(point):
            self.add_error("lon", _("The point lies outside the municipality."))
            return None
        return point

    def save(self, measure: PresenceMeasure | None = None, *, user=None) -> PresenceMeasure:
        """Store the measure (a new one when ``measure`` is None)."""
        data = self.cleaned_data
        if measure is None:
            measure = PresenceMeasure(created_by=user if user and user.is_authenticated else None)
        measure.municipality = data["municipality"]
        for name in (
            "kind",
            "title",
            "description",
            "radius_m",
            "starts_on",
            "ends_on",
            "partner",
            "decided_on",
        ):
            setattr(measure, name, data[name])
        measure.geom = data["geom"]  # checked in clean(): inside the municipality
        measure.save()
        return measure


class MeasureStatusForm(TextInputFormMixin, forms.Form):
    """Move a measure to another status (the ones the user may choose)."""

    to_status = forms.ChoiceField(label=_("New status"))

    def __init__(self, *args, statuses: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s, M.Status(s).label) for s in statuses]

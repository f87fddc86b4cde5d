"""Shift reports of EST partners: one phone screen after a shift, stored as an incident.

A night walker, guard or housing company's caretaker reports what happened during a shift: the
time span, the place (WGS 84 on the phone, stored in the installation's metric CRS), the type
of incident, its severity (1-5), how many young people they met and what they did. The report
becomes an :class:`layers.models.Incident` of the partner (``source`` the partner's,
``source_id`` the phone's client UUID, so a replay finds it again). When the reporter also saw
something physical to fix, the same screen makes a resident pin of it through
:func:`walks.views.pins.create_pin`, the path of the public report form, so that it reaches the
same department as a resident's pin would; it carries the partner, is not published and has no
contact details.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gis.core import textguard, timeofday
from gis.core.api.fields import CodeField, WGS84GeometryField
from gis.core.partners import Partner
from layers.models import SEVERITY_MAX, Incident
from layers.partner_intake import REPORTED_BY
from walks.models import Category, ResidentPin
from walks.views.pins import create_pin

#: The default shift the form proposes: the last four hours, to the quarter hour.
SHIFT_HOURS = 4
QUARTER = timedelta(minutes=15)
TEXT_MAX = 1000
YOUNG_PEOPLE_MAX = 10_000


def reported_by(partner: Partner) -> str:
    """The `Incident.reported_by` of a partner's reports (the field team for unlisted kinds)."""
    return REPORTED_BY.get(partner.kind, Incident.Source.FIELD_TEAM)


def last_shift(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The shift the form proposes: (end − 4 h, end), end being `now` rounded to the nearest
    quarter hour. Aware datetimes in the current time zone."""
    now = timezone.localtime(now or timezone.now())
    floor = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    end = floor + QUARTER if now - floor >= QUARTER / 2 else floor
    return end - timedelta(hours=SHIFT_HOURS), end


class PhysicalInput(textguard.Serializer):
    """ "Something physical to fix?": a category of the resident form and a few words."""

    category = CodeField(slug_field="code", queryset=Category.objects.all())
    description = serializers.CharField(max_length=TEXT_MAX)


class ShiftReportInput(textguard.Serializer):
    """What the shift report page sends (JSON). `geometry` is a GeoJSON Point in WGS 84; the
    times are ISO 8601 with a zone. `partner` (its id) is needed only from a member of several
    partners."""

    client_uuid = serializers.UUIDField()
    partner = serializers.IntegerField(required=False, allow_null=True)
    occurred_at = serializers.DateTimeField()
    occurred_to = serializers.DateTimeField()
    geometry = WGS84GeometryField(allowed=("Point",))
    type = serializers.ChoiceField(choices=Incident.Type.choices)
    severity = serializers.IntegerField(min_value=1, max_value=SEVERITY_MAX)
    young_people_met = serializers.IntegerField(min_value=0, max_value=YOUNG_PEOPLE_MAX)
    what_we_did = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    physical = PhysicalInput(required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        if attrs["occurred_to"] < attrs["occurred_at"]:
            raise serializers.ValidationError(
                {"occurred_to": [_("The end of the shift lies before its start.")]}
            )
        if attrs["occurred_at"] > timezone.now() + timedelta(hours=1):
            raise serializers.ValidationError(
                {"occurred_at": [_("The shift cannot start in the future.")]}
            )
        return attrs


def description(values: dict) -> str:
    """The incident's description: what happened (the type), then what they did; in the
    installation's language, as it is stored for everyone to read."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(Incident.Type(values["type"]).label)
        did = values.get("what_we_did", "").strip()
        if did:
            text += f". {_('What we did')}: {did}"
    return text


def stored(partner: Partner, client_uuid: uuid.UUID) -> tuple[Incident, ResidentPin | None] | None:
    """The incident (and pin) a report with this client UUID already made, or None."""
    incident = Incident.objects.filter(source=partner.source, source_id=str(client_uuid)).first()
    if incident is None:
        return None
    return incident, ResidentPin.objects.filter(client_uuid=client_uuid, partner=partner).first()


def store(partner: Partner, values: dict) -> tuple[Incident, ResidentPin | None, bool]:
    """Store a validated report once: the incident and, with a physical box, the pin.

    `values` are :class:`ShiftReportInput`'s validated data; the geometry is already in the
    storage CRS and inside the partner's municipality. Returns (incident, pin, created); a
    replay of the same client UUID (also one racing this call) returns the stored records.
    """
    client_uuid = values["client_uuid"]
    found = stored(partner, client_uuid)
    if found is not None:
        return (*found, False)
    geom = values["geometry"]
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                municipality=partner.municipality,
                source=partner.source,
                source_id=str(client_uuid),
                type=values["type"],
                reported_by=reported_by(partner),
                occurred_at=values["occurred_at"],
                occurred_to=values["occurred_to"],
                description=description(values),
                geom=geom,
                partner=partner,
                severity=values["severity"],
                young_people_met=values["young_people_met"],
            )
            pin = None
            physical = values.get("physical")
            if physical:
                pin_values = {
                    "category": physical["category"],
                    "when": timeofday.period_of(values["occurred_to"], settings.TIME_ZONE),
                    "description": physical["description"],
                    "client_uuid": client_uuid,
                    "published": False,
                    "partner": partner,
                }
                pin = create_pin(pin_values, geom, partner.municipality, None, contact={})
    except IntegrityError:
        found = stored(partner, client_uuid)
        if found is None:
            raise
        return (*found, False)
    return incident, pin, True

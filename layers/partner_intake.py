"""Partner incidents in: one GeoJSON feature checked and turned into Incident values, and the
upsert of a partner's batch by (partner source, external id).

The web layer (:mod:`layers.partner_api`) authenticates the key and reads the body; this module
knows GeoJSON features and incidents. Coordinates arrive in WGS 84 degrees (RFC 7946) and are
stored in the installation's metric CRS (settings.TRYGG_SRID). Each bad feature becomes a
reason in Swedish or English (the request's language); the good ones of the same request go in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gis.core import textguard
from gis.core.api.fields import WGS84, to_storage
from gis.core.datebounds import BOUND_YEARS, out_of_bounds
from gis.core.geometry import validate_geometry
from gis.core.partners import Partner
from layers.models import SEVERITY_MAX, Incident

#: Most features one request may send.
MAX_FEATURES = 1000
MAX_EXTERNAL_ID = 64
MAX_DESCRIPTION = 2000

#: Who reported an incident, by the kind of partner that sent it.
REPORTED_BY = {
    Partner.Kind.POLICE: Incident.Source.POLICE,
    Partner.Kind.SECURITY_COMPANY: Incident.Source.GUARD,
    Partner.Kind.HOUSING_COMPANY: Incident.Source.HOUSING_COMPANY,
    Partner.Kind.NIGHT_WALKERS: Incident.Source.NIGHT_WALKERS,
    Partner.Kind.SAFETY_HOSTS: Incident.Source.FIELD_TEAM,
    Partner.Kind.OTHER: Incident.Source.FIELD_TEAM,
}

#: The fields a partner's feature sets; a replay that changes none of them changes nothing.
FIELDS = (
    "type",
    "reported_by",
    "occurred_at",
    "occurred_to",
    "description",
    "severity",
    "young_people_met",
)


class FeatureError(ValueError):
    """A feature that cannot be stored; the message is the reason given back."""


class BodyError(ValueError):
    """A body that is not what the API takes, as a whole; `field` names the member."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Outcome:
    """What a batch did: counts and the rejected features' indexes with their reasons."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)

    def answer(self) -> dict:
        """The API's answer: {"created", "updated", "rejected": [{"index", "reason"}]}."""
        return {"created": self.created, "updated": self.updated, "rejected": self.rejected}

    def summary(self) -> dict:
        """The counts kept in the key's use log (no reasons: they may quote the input)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }


def type_names() -> dict[str, str]:
    """Every accepted spelling of an incident type, case-folded: the stored values and the
    labels in Swedish and English (``glass``, ``Glaskross``, ``Glass breakage``)."""
    names: dict[str, str] = {}
    for value, label in Incident.Type.choices:
        names[value.casefold()] = value
        for language in ("sv", "en"):
            with translation.override(language):
                names[str(label).casefold()] = value
    return names


def features_of(body: object) -> list:
    """The features of a GeoJSON Feature or FeatureCollection; BodyError for anything else or
    for more than MAX_FEATURES."""
    if not isinstance(body, dict):
        raise BodyError("type", _("Expected a GeoJSON Feature or FeatureCollection object."))
    kind = body.get("type")
    if kind == "Feature":
        return [body]
    if kind != "FeatureCollection":
        raise BodyError("type", _("Expected a GeoJSON Feature or FeatureCollection object."))
    features = body.get("features")
    if not isinstance(features, list):
        raise BodyError("features", _("A FeatureCollection needs a list of features."))
    if len(features) > MAX_FEATURES:
        raise BodyError(
            "features",
            _("At most %(max)d features per request, got %(n)d.")
            % {"max": MAX_FEATURES, "n": len(features)},
        )
    return features


def _point(geometry: object, partner: Partner) -> Point:
    """The feature's Point in the storage CRS, inside the partner's municipality."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise FeatureError(_("geometry: expected a GeoJSON Point."))
    coordinates = geometry.get("coordinates")
    if (
        not isinstance(coordinates, list)
        or len(coordinates) not in (2, 3)
        or not all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
            for c in coordinates
        )
    ):
        raise FeatureError(_("geometry: expected coordinates [longitude, latitude]."))
    lon, lat = coordinates[0], coordinates[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise FeatureError(_("geometry: longitude and latitude must be WGS 84 degrees."))
    geom = to_storage(Point(float(lon), float(lat), srid=WGS84))
    try:
        validate_geometry(geom, field="geometry", boundary=partner.municipality.boundary)
    except ValidationError as error:
        raise FeatureError(_reason(error)) from None
    return geom


def _reason(error: ValidationError) -> str:
    return "; ".join(
        f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
    )


def _text(properties: dict, name: str, limit: int, *, required: bool = False) -> str:
    value = properties.get(name)
    if value is None or value == "":
        if required:
            raise FeatureError(_("%(field)s: this property is required.") % {"field": name})
        return ""
    if not isinstance(value, str):
        raise FeatureError(_("%(field)s: expected text.") % {"field": name})
    if len(value) > limit:
        raise FeatureError(
            _("%(field)s: at most %(max)d characters.") % {"field": name, "max": limit}
        )
    try:
        textguard.reject_control_characters(value)
    except ValidationError as error:
        raise FeatureError(f"{name}: {' '.join(error.messages)}") from None
    return value


def _moment(properties: dict, name: str, *, required: bool = False) -> datetime | None:
    """An ISO 8601 datetime; without an offset it is the installation's local time."""
    value = properties.get(name)
    if value is None or value == "":
        if required:
            raise FeatureError(_("%(field)s: this property is required.") % {"field": name})
        return None
    moment = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = parse_datetime(value.strip())
        except ValueError:  # well formed but impossible, e.g. month 13
            moment = None
    if moment is None:
        raise FeatureError(
            _("%(field)s: expected an ISO 8601 date and time such as 2026-11-22T18:30:00+01:00.")
            % {"field": name}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    if out_of_bounds(moment) is not None:
        raise FeatureError(
            _("%(field)s: the date lies outside the years %(first)d to %(last)d.")
            % {"field": name, **BOUND_YEARS}
        )
    return moment


def _whole(properties: dict, name: str, low: int, high: int | None) -> int | None:
    value = properties.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise FeatureError(_whole_message(name, low, high))
    if high is not None and value > high:
        raise FeatureError(_whole_message(name, low, high))
    return value


def _whole_message(name: str, low: int, high: int | None) -> str:
    if high is None:
        return _("%(field)s: expected a whole number of at least %(low)d.") % {
            "field": name,
            "low": low,
        }
    return _("%(field)s: expected a whole number from %(low)d to %(high)d.") % {
        "field": name,
        "low": low,
        "high": high,
    }


def feature_values(feature: object, partner: Partner, types: dict[str, str]) -> dict:
    """The Incident values of one feature (external_id as `source_id`); FeatureError with the
    reason when it cannot be stored. `types` is :func:`type_names`."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise FeatureError(_("Expected a GeoJSON Feature."))
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise FeatureError(_("properties: expected an object."))
    external_id = _text(properties, "external_id", MAX_EXTERNAL_ID, required=True)
    kind = properties.get("type")
    if not isinstance(kind, str) or kind.strip().casefold() not in types:
        raise FeatureError(
            _("type: expected one of %(types)s.")
            % {"types": ", ".join(value for value, _label in Incident.Type.choices)}
        )
    occurred_at = _moment(properties, "occurred_at", required=True)
    occurred_to = _moment(properties, "occurred_to")
    if occurred_to is not None and occurred_to < occurred_at:
        raise FeatureError(_("occurred_to: the end of the span lies before occurred_at."))
    return {
        "source_id": external_id,
        "geom": _point(feature.get("geometry"), partner),
        "type": types[kind.strip().casefold()],
        "reported_by": REPORTED_BY[Partner.Kind(partner.kind)],
        "occurred_at": occurred_at,
        "occurred_to": occurred_to,
        "description": _text(properties, "description", MAX_DESCRIPTION),
        "severity": _whole(properties, "severity", 1, SEVERITY_MAX),
        "young_people_met": _whole(properties, "young_people_met", 0, None),
    }


def _same(incident: Incident, values: dict) -> bool:
    if any(getattr(incident, name) != values[name] for name in FIELDS):
        return False
    return incident.geom.equals_exact(values["geom"], 0.001)  # a millimetre


def _store(partner: Partner, values: dict, existing: Incident | None) -> str:
    """Create or update one incident; "created", "updated" or "unchanged"."""
    if existing is not None:
        if _same(existing, values):
            return "unchanged"
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save()
        return "updated"
    try:
        with transaction.atomic():
            Incident.objects.create(
                municipality=partner.municipality,
                partner=partner,
                source=partner.source,
                **values,
            )
        return "created"
    except IntegrityError:  # the same id sent at the same moment by another request
        stored = Incident.objects.get(
            municipality=partner.municipality, source=partner.source, source_id=values["source_id"]
        )
        return _store(partner, values, stored)


def take_in(partner: Partner, features: list) -> Outcome:
    """Store a partner's features: new external ids are created, changed ones updated, the
    same values again change nothing; each bad feature is rejected with its index and reason
    while the others go in."""
    outcome = Outcome()
    types = type_names()
    good: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        try:
            values = feature_values(feature, partner, types)
        except FeatureError as error:
            outcome.rejected.append({"index": index, "reason": str(error)})
            continue
        first = seen.setdefault(values["source_id"], index)
        if first != index:
            reason = _("external_id: the same id appears earlier, at index %(index)d.") % {
                "index": first
            }
            outcome.rejected.append({"index": index, "reason": reason})
            continue
        good.append((index, values))
    stored = {
        incident.source_id: incident
        for incident in Incident.objects.filter(
            municipality=partner.municipality,
            source=partner.source,
            source_id__in=[values["source_id"] for _index, values in good],
        )
    }
    for _index, values in good:
        result = _store(partner, values, stored.get(values["source_id"]))
        setattr(outcome, result, getattr(outcome, result) + 1)
    outcome.rejected.sort(key=lambda row: row["index"])
    return outcome

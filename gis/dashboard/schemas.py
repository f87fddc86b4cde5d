"""The OpenAPI description of the dashboard's data endpoints: query parameters and the JSON each
answer holds (documentation-only serializers; the views build their answers themselves).

Geometry is GeoJSON in WGS 84; the GeoJSON layers are FeatureCollections.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from gis.core import textguard
from gis.core.api.schema import ApiSchema, feature_collection
from gis.core.vocabulary import Department
from gis.dashboard.filters import PIN_STATUSES, SEVERITIES, SOURCES, TIMES

ALL_GEOMETRIES = ("Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon")


LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    enum=[code for code, _name in settings.LANGUAGES],
    description="Language of the labels; default the request's language.",
)

#: The filters every map endpoint takes (gis.dashboard.filters); lists are comma-separated or
#: repeated. A value that does not parse answers 400 naming the parameter.
FILTER_PARAMETERS = [
    OpenApiParameter(
        "municipality",
        OpenApiTypes.STR,
        description="Municipality code; default the first of the user's municipalities.",
    ),
    OpenApiParameter(
        "from", OpenApiTypes.STR, description="Start: YYYY-MM-DD (local day) or ISO 8601."
    ),
    OpenApiParameter("to", OpenApiTypes.STR, description="End, inclusive: YYYY-MM-DD or ISO 8601."),
    OpenApiParameter(
        "category",
        {"type": "array", "items": {"type": "string"}},
        description="Category codes.",
    ),
    OpenApiParameter(
        "severity",
        {"type": "array", "items": {"type": "integer", "enum": list(SEVERITIES)}},
        description="Severities (keeps walk findings only).",
    ),
    OpenApiParameter("when", {"type": "array", "items": {"type": "string", "enum": list(TIMES)}}),
    OpenApiParameter(
        "source", {"type": "array", "items": {"type": "string", "enum": list(SOURCES)}}
    ),
    OpenApiParameter(
        "status",
        {"type": "array", "items": {"type": "string", "enum": list(PIN_STATUSES)}},
        description="Resident-pin statuses (keeps pins only).",
    ),
    OpenApiParameter("district", OpenApiTypes.INT, description="District id."),
]

FIX_LIST_PARAMETERS = [
    OpenApiParameter("department", OpenApiTypes.STR, enum=list(Department.values)),
    OpenApiParameter("fix_status", OpenApiTypes.STR, description="A fix status."),
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description="At most this many fixes (1 to 1000, default 100)."
    ),
]


class DashboardSchema(ApiSchema):
    """Every dashboard endpoint takes `lang` (see DashboardView.dispatch)."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), LANG]


# --- counts, heat map, hot spots ------------------------------------------------------------


class Counts(textguard.Serializer):
    """Counts of the filtered reports: in total and by each key."""

    total = serializers.IntegerField()
    source = serializers.DictField(child=serializers.IntegerField(), help_text="By source.")
    category = serializers.DictField(child=serializers.IntegerField(), help_text="By category.")
    when = serializers.DictField(child=serializers.IntegerField(), help_text="By time of day.")
    status = serializers.DictField(child=serializers.IntegerField(), help_text="By pin status.")


class LegendEntry(textguard.Serializer):
    value = serializers.FloatField(help_text="Reports per km².")
    colour = serializers.CharField()


class Heatmap(textguard.Serializer):
    """The heat map overlay: the PNG's URL, its corners and legend; only `empty` and `version`
    when no report passes the filters."""

    empty = serializers.BooleanField()
    version = serializers.CharField(help_text="Changes whenever a report changes.")
    url = serializers.CharField(required=False, help_text="The PNG (heatmap.png).")
    coordinates = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        min_length=4,
        max_length=4,
        required=False,
        help_text="Corners [lon, lat]: north-west, north-east, south-east, south-west.",
    )
    bounds = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        required=False,
        help_text="west, south, east, north.",
    )
    legend = LegendEntry(many=True, required=False)
    units = serializers.CharField(required=False)
    params = serializers.DictField(required=False, help_text="The density estimate's parameters.")


class HotspotProperties(textguard.Serializer):
    """A grid cell: live Gi* cells carry `count` and `gi_bin`, stored ones `category`, `value`."""

    cell = serializers.IntegerField()
    z = serializers.FloatField(allow_null=True)
    p = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField(required=False)
    gi_bin = serializers.IntegerField(required=False, help_text="-3 to 3: cold to hot spot.")
    category = serializers.CharField(required=False)
    value = serializers.FloatField(required=False)


Hotspots = feature_collection(
    "Hotspot",
    HotspotProperties,
    ("Polygon",),
    source=serializers.ChoiceField(choices=["live", "stored"]),
    cell_size_m=serializers.FloatField(required=False),
    distance_m=serializers.FloatField(required=False),
    run=serializers.IntegerField(required=False, help_text="The stored run."),
    kind=serializers.CharField(required=False),
    created_at=serializers.DateTimeField(required=False),
)


class DistrictProperties(textguard.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


Districts = feature_collection("District", DistrictProperties, ("MultiPolygon",))


class RouteProperties(textguard.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    date = serializers.DateField()
    time_of_day = serializers.CharField()
    status = serializers.CharField()
    findings = serializers.IntegerField()


Routes = feature_collection("Route", RouteProperties, ("LineString",))


# --- fixes ----------------------------------------------------------------------------------


class StatusChange(textguard.Serializer):
    """One step of a status history: from, to, by whom (user name), when, note."""

    to = serializers.CharField()
    by = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField()

    def get_fields(self):
        # `from` is a Python keyword: add the field under that name here.
        fields = {"from": serializers.CharField(), **super().get_fields()}
        textguard.guard_serializer_field(fields["from"])
        return fields


class FixSummary(textguard.Serializer):
    """A ranked fix: what, which department, status, why, and where (WGS 84)."""

    id = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True)
    headline = serializers.CharField()
    why = serializers.CharField()
    fix_type = serializers.CharField()
    label = serializers.CharField()
    department = serializers.CharField()
    department_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    score = serializers.FloatField()
    cost_class = serializers.IntegerField()
    explanation = serializers.CharField()
    done_at = serializers.DateTimeField(allow_null=True)
    center = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    bbox = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4)
    can_change = serializers.BooleanField(help_text="Whether the user may change its status.")
    next_statuses = serializers.ListField(child=serializers.CharField())


class FixDetail(FixSummary):
    """A fix with its evidence, structured reasons, answer to residents and history."""

    evidence = serializers.ListField(child=serializers.CharField())
    page = serializers.CharField(help_text="The fix's page, or empty.")
    reasons = serializers.ListField(child=serializers.DictField())
    answer = serializers.CharField()
    pins = serializers.IntegerField(help_text="Linked resident pins.")
    history = StatusChange(many=True)


Fixes = feature_collection(
    "Fix",
    FixSummary,
    ALL_GEOMETRIES,
    total=serializers.IntegerField(help_text="Fixes passing the filters, before `limit`."),
)


# --- feature details ------------------------------------------------------------------------


def _detail(name: str, source: str, doc: str, **fields) -> type[serializers.Serializer]:
    """A documentation serializer of one kind of feature detail (`source` tells the kind)."""
    return type(
        name,
        (textguard.Serializer,),
        {
            "__doc__": doc,
            "source": serializers.ChoiceField(choices=[source]),
            "id": serializers.IntegerField(),
            "title": serializers.CharField(),
            **fields,
            "lonlat": serializers.ListField(
                child=serializers.FloatField(),
                min_length=2,
                max_length=2,
                allow_null=source == "route",
                help_text="A point on the feature: [lon, lat].",
            ),
        },
    )


class PhotoLinks(textguard.Serializer):
    thumbnail = serializers.CharField()
    image = serializers.CharField()


class LinkedFix(textguard.Serializer):
    id = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()


class Contact(textguard.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class WalkRef(textguard.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    date = serializers.DateField()


PinDetail = _detail(
    "PinDetail",
    "resident",
    "A resident pin with photos, history and linked fixes; `contact` for the coordinator.",
    category=serializers.CharField(),
    category_name=serializers.CharField(),
    when=serializers.CharField(),
    when_label=serializers.CharField(),
    status=serializers.CharField(),
    status_label=serializers.CharField(),
    description=serializers.CharField(),
    public_answer=serializers.CharField(),
    reported_at=serializers.DateTimeField(),
    votes=serializers.IntegerField(),
    district=serializers.CharField(),
    photos=PhotoLinks(many=True),
    fixes=LinkedFix(many=True),
    history=StatusChange(many=True),
    can_triage=serializers.BooleanField(),
    contact=Contact(required=False, allow_null=True, help_text="Only for the coordinator."),
)

#: The answer of each feature kind (the `source` path parameter).
FEATURE_DETAILS = {
    "resident": PinDetail,
    "walk": _detail(
        "FindingDetail",
        "walk",
        "A safety-walk finding with its walk and photos.",
        category=serializers.CharField(),
        category_name=serializers.CharField(),
        severity=serializers.IntegerField(),
        when=serializers.CharField(),
        when_label=serializers.CharField(),
        note=serializers.CharField(),
        author_role=serializers.CharField(),
        observed_at=serializers.DateTimeField(),
        walk=WalkRef(),
        photos=PhotoLinks(many=True),
    ),
    "incident": _detail(
        "IncidentDetail",
        "incident",
        "A reported incident.",
        type=serializers.CharField(),
        category=serializers.CharField(),
        category_name=serializers.CharField(),
        reported_by=serializers.CharField(),
        occurred_at=serializers.DateTimeField(),
        description=serializers.CharField(),
    ),
    "lamp": _detail(
        "LampDetail",
        "lamp",
        "A street lamp and its status.",
        status=serializers.CharField(),
        status_label=serializers.CharField(),
        status_checked_at=serializers.DateTimeField(allow_null=True),
    ),
    "lux": _detail(
        "LuxDetail",
        "lux",
        "A lux reading.",
        lux=serializers.FloatField(),
        measured_at=serializers.DateTimeField(),
        measured_by=serializers.CharField(),
    ),
    "camera": _detail(
        "CameraDetail",
        "camera",
        "A surveillance camera.",
        operator=serializers.CharField(),
        permit=serializers.CharField(),
        direction_deg=serializers.FloatField(allow_null=True),
        fov_deg=serializers.FloatField(),
        range_m=serializers.FloatField(),
    ),
    "vegetation": _detail(
        "VegetationDetail",
        "vegetation",
        "A tree, scrub or hedge.",
        kind=serializers.CharField(),
        height_m=serializers.FloatField(allow_null=True),
        blocks_sightline=serializers.BooleanField(),
    ),
    "street": _detail(
        "StreetDetail",
        "street",
        "A street segment.",
        highway=serializers.CharField(),
        lit=serializers.CharField(),
        lit_label=serializers.CharField(),
        length_m=serializers.FloatField(),
    ),
    "route": _detail(
        "RouteDetail",
        "route",
        "A safety walk's route.",
        date=serializers.DateField(),
        time_of_day=serializers.CharField(),
        status_label=serializers.CharField(),
        district=serializers.CharField(),
        findings=serializers.IntegerField(),
    ),
}

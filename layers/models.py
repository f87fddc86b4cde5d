"""Measured map layers: municipalities and districts, the street network, lighting, vegetation,
green areas, cameras and incidents. Geometry is in the installation's metric CRS (TRYGG_SRID).

Street segments and green areas are named for people by :mod:`layers.naming` from their stored
parts (own name, house numbers, the named place nearby; see :mod:`layers.placenames`)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from gis.core import timespan
from gis.core.models import SRID, MunicipalRecord, SourcedRecord, sourced_unique, valid_geometry
from gis.core.vocabulary import Department
from layers import naming

#: Incidents' severity runs from 1 (minor) to this (serious).
SEVERITY_MAX = 5


def near_name_field(help_text: str) -> models.CharField:
    """The stored name of the named place nearby of a place without a name of its own (set on
    import by layers.placenames)."""
    return models.CharField(
        _("named place nearby"), max_length=200, blank=True, default="", help_text=help_text
    )


class ImportBatch(MunicipalRecord):
    """One run of `trygg import`: which file went into which layer, from which source, by whom
    and when, and what it did. Every object it created or changed points to it (`batch`)."""

    layer = models.CharField(_("layer"), max_length=32)
    source = models.CharField(_("source"), max_length=32)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    crs = models.CharField(_("CRS"), max_length=64, blank=True, default="")
    imported_by = models.CharField(_("imported by"), max_length=150, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.layer} {self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportChange(models.Model):
    """What a batch changed or removed, with the object's previous values, so that the batch
    can be taken back. (What it created is found by its `batch` key.)"""

    class Action(models.TextChoices):
        UPDATED = "updated", _("Updated")
        REMOVED = "removed", _("Removed")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes")
    object_id = models.BigIntegerField(_("object id"))
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    previous = models.JSONField(_("previous values"))

    class Meta:
        verbose_name = _("import change")
        verbose_name_plural = _("import changes")
        indexes = [models.Index(fields=["batch", "action"], name="importchange_batch_action")]


class ImportProfile(MunicipalRecord):
    """A saved mapping of an export (`--save-profile`), reused next time with `--profile`."""

    name = models.CharField(_("name"), max_length=64)
    layer = models.CharField(_("layer"), max_length=32)
    options = models.JSONField(_("options"), default=dict)

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="importprofile_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(MunicipalRecord):
    """An import started from the upload page: the stored file, the options chosen on the
    mapping page, and how far the background run got (`rows_read`), then its result or error.
    The page polls its state; the batch it made is in `result` ("batch")."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    layer = models.CharField(_("layer"), max_length=32)
    file_path = models.CharField(_("stored file"), max_length=500)
    file_name = models.CharField(_("file name"), max_length=255)
    options = models.JSONField(_("options"), default=dict)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.layer} {self.file_name} ({self.state})"


def batch_field() -> models.ForeignKey:
    """The import batch that last created or changed a layer object (null: not imported)."""
    return models.ForeignKey(
        ImportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("import batch"),
    )


class District(MunicipalRecord):
    """A district (stadsdel) of a municipality, the unit walks and reports are grouped by."""

    name = models.CharField(_("name"), max_length=100)
    geom = models.MultiPolygonField(_("boundary"), srid=SRID)
    allowed_geometry_types = ("MultiPolygon",)
    batch = batch_field()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="district_unique_name"),
            valid_geometry("district"),
        ]

    def __str__(self) -> str:
        return self.name


class StreetSegment(SourcedRecord):
    """A walkable edge of the street network (as osmnx builds it from OSM ways)."""

    class Lit(models.TextChoices):
        YES = "yes", _("Lit")
        NO = "no", _("Unlit")
        ALWAYS = "24/7", _("Lit all night")
        LIMITED = "limited", _("Partly lit")
        UNKNOWN = "", _("Unknown")

    osm_id = models.BigIntegerField(_("OSM way id"), null=True, blank=True, db_index=True)
    u = models.BigIntegerField(_("from node"), null=True, blank=True)
    v = models.BigIntegerField(_("to node"), null=True, blank=True)
    name = models.CharField(_("street name"), max_length=200, blank=True, default="")
    house_numbers = models.CharField(
        _("house numbers"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("The range of the street's addresses along the segment, e.g. 12–20."),
    )
    near_name = near_name_field(
        _("Without a street name: the nearest named street, square or park.")
    )
    highway = models.CharField(_("highway type"), max_length=32, blank=True, default="")
    lit = models.CharField(_("lit"), max_length=8, choices=Lit.choices, blank=True, default="")
    length_m = models.FloatField(_("length (m)"), validators=[MinValueValidator(0)])
    geom = models.LineStringField(_("geometry"), srid=SRID)
    allowed_geometry_types = ("LineString",)
    batch = batch_field()

    class Meta:
        verbose_name = _("street segment")
        verbose_name_plural = _("street segments")
        constraints = [sourced_unique("streetsegment"), valid_geometry("streetsegment")]

    def __str__(self) -> str:
        return naming.segment_name(self)


class StreetLamp(SourcedRecord):
    """A street lamp from the lamp inventory or OSM (highway=street_lamp)."""

    class Status(models.TextChoices):
        WORKING = "working", _("Working")
        BROKEN = "broken", _("Broken")
        UNKNOWN = "unknown", _("Unknown")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UNKNOWN
    )
    status_checked_at = models.DateTimeField(_("status checked"), null=True, blank=True)
    geom = models.PointField(_("location"), srid=SRID)
    allowed_geometry_types = ("Point",)
    batch = batch_field()

    class Meta:
        verbose_name = _("street lamp")
        verbose_name_plural = _("street lamps")
        constraints = [sourced_unique("streetlamp"), valid_geometry("streetlamp")]

    def __str__(self) -> str:
        return f"{_('Lamp')} {self.source_id or self.pk}"


class LuxReading(SourcedRecord):
    """A horizontal illuminance measurement on the ground, in lux."""

    lux = models.FloatField(_("lux"), validators=[MinValueValidator(0)])
    measured_at = models.DateTimeField(_("measured at"))
    measured_by = models.CharField(_("measured by"), max_length=100, blank=True, default="")
    geom = models.PointField(_("location"), srid=SRID)
    allowed_geometry_types = ("Point",)
    batch = batch_field()

    class Meta:
        verbose_name = _("lux reading")
        verbose_name_plural = _("lux readings")
        constraints = [
            sourced_unique("luxreading"),
            valid_geometry("luxreading"),
            models.CheckConstraint(condition=models.Q(lux__gte=0), name="luxreading_lux_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.lux:g} lx"


class Vegetation(SourcedRecord):
    """A tree, scrub area or hedge; shrubs at eye level can block sightlines."""

    class Kind(models.TextChoices):
        TREE = "tree", _("Tree")
        SCRUB = "scrub", _("Scrub")
        HEDGE = "hedge", _("Hedge")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    height_m = models.FloatField(
        _("height (m)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    blocks_sightline = models.BooleanField(_("blocks sightline"), default=False)
    geom = models.GeometryField(_("geometry"), srid=SRID)
    allowed_geometry_types = ("Point", "Polygon", "MultiPolygon", "LineString")
    batch = batch_field()

    class Meta:
        verbose_name = _("vegetation")
        verbose_name_plural = _("vegetation")
        constraints = [sourced_unique("vegetation"), valid_geometry("vegetation")]

    def __str__(self) -> str:
        return self.get_kind_display()


class GreenArea(SourcedRecord):
    """A park or green space; the parks department owns it by default."""

    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    near_name = near_name_field(_("Without a name: the nearest named street, square or park."))
    owner = models.CharField(
        _("owner"), max_length=16, choices=Department.choices, default=Department.PARKS
    )
    geom = models.MultiPolygonField(_("area"), srid=SRID)
    allowed_geometry_types = ("MultiPolygon",)
    batch = batch_field()

    class Meta:
        verbose_name = _("green area")
        verbose_name_plural = _("green areas")
        constraints = [sourced_unique("greenarea"), valid_geometry("greenarea")]

    def __str__(self) -> str:
        return naming.green_area_name(self)


class Camera(SourcedRecord):
    """A surveillance camera; its viewshed is the sector it sees, derived from the fields below."""

    class Permit(models.TextChoices):
        GRANTED = "granted", _("Permit granted")
        PENDING = "pending", _("Permit pending")
        NOT_REQUIRED = "not_required", _("No permit required")
        UNKNOWN = "unknown", _("Unknown")

    direction_deg = models.FloatField(
        _("direction (degrees from north)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(360)],
        help_text=_("Empty for a camera that sees all around."),
    )
    fov_deg = models.FloatField(
        _("field of view (degrees)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(360)],
    )
    range_m = models.FloatField(_("range (m)"), default=30, validators=[MinValueValidator(1)])
    operator = models.CharField(_("operator"), max_length=100, blank=True, default="")
    permit_status = models.CharField(
        _("permit"), max_length=16, choices=Permit.choices, default=Permit.UNKNOWN
    )
    geom = models.PointField(_("location"), srid=SRID)
    viewshed = models.PolygonField(_("viewshed"), srid=SRID, null=True, blank=True, editable=False)
    allowed_geometry_types = ("Point",)
    batch = batch_field()

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        constraints = [sourced_unique("camera"), valid_geometry("camera")]

    def __str__(self) -> str:
        return f"{_('Camera')} {self.source_id or self.pk}"

    def save(self, *args, **kwargs) -> None:
        from layers.viewshed import camera_viewshed

        self.viewshed = camera_viewshed(self)
        super().save(*args, **kwargs)


class Incident(SourcedRecord):
    """An incident reported by police, guards, night walkers or others."""

    class Type(models.TextChoices):
        VANDALISM = "vandalism", _("Vandalism")
        GRAFFITI = "graffiti", _("Graffiti")
        GLASS = "glass", _("Glass breakage")
        FIRE = "fire", _("Fire")
        GATHERING = "gathering", _("Gathering")
        ILLEGAL_DRIVING = "illegal_driving", _("Illegal driving")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        POLICE = "police", _("Police")
        GUARD = "guard", _("Security guards")
        NIGHT_WALKERS = "night_walkers", _("Night walkers")
        FIELD_TEAM = "field_team", _("Field team")
        HOUSING_COMPANY = "housing_company", _("Housing company")

    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    reported_by = models.CharField(_("reported by"), max_length=20, choices=Source.choices)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    occurred_to = models.DateTimeField(
        _("occurred until"),
        null=True,
        blank=True,
        help_text=_('The end of a span such as "between 22:00 and 06:00"; empty for a moment.'),
    )
    description = models.TextField(_("description"), blank=True, default="")
    geom = models.PointField(_("location"), srid=SRID)
    partner = models.ForeignKey(
        "core.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("partner"),
        help_text=_("The EST partner that reported it; its incidents are never public."),
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(SEVERITY_MAX)],
        help_text=_("1 (minor) to 5 (serious), as the reporter judged it."),
    )
    young_people_met = models.PositiveIntegerField(_("young people met"), null=True, blank=True)
    allowed_geometry_types = ("Point",)
    batch = batch_field()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        # A municipality's incidents of a period (dashboard, situation picture).
        indexes = [
            models.Index(fields=["municipality", "occurred_at"], name="incident_muni_occurred")
        ]
        constraints = [
            sourced_unique("incident"),
            valid_geometry("incident"),
            models.CheckConstraint(
                condition=models.Q(occurred_to__isnull=True)
                | models.Q(occurred_to__gte=models.F("occurred_at")),
                name="incident_span_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def occurred_label(self) -> str:
        """When it happened, for people: "12 mars 2026 22:00–06:00" (:mod:`gis.core.timespan`;
        the installation's zone, the active language)."""
        return timespan.format_span(self.occurred_at, self.occurred_to)

    def clean(self) -> None:
        """As MunicipalRecord's, and a span ends no earlier than it starts."""
        super().clean()
        if self.occurred_to and self.occurred_at and self.occurred_to < self.occurred_at:
            raise ValidationError(
                {"occurred_to": _("The end of the span lies before its start (occurred at).")}
            )

    def save(self, *args, **kwargs) -> None:
        from layers.properties import nearest_property

        if self.geom is not None and self.municipality_id is not None:
            self.property = nearest_property(self.municipality_id, self.geom)
        super().save(*args, **kwargs)

    # Declared after the methods: a field named `property` would shadow the decorator.
    property = models.ForeignKey(
        "Property",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="incidents",
        verbose_name=_("municipal property"),
        help_text=_("The property the incident happened on or next to (set on save and import)."),
    )


class BasemapFeature(SourcedRecord):
    """One feature of the basemap drawn under the data: a building, water, land use, a park or
    other green area, a railway or a named place (read from OSM by :mod:`layers.basemap_osm`;
    served as vector tiles by :mod:`layers.basemap`). Public OpenStreetMap data, no staff edits:
    a re-import replaces it."""

    class Layer(models.TextChoices):
        WATER = "water", _("Water")
        LANDUSE = "landuse", _("Land use")
        PARK = "park", _("Park or green area")
        BUILDING = "building", _("Building")
        RAIL = "rail", _("Railway")
        PLACE = "place", _("Named place")

    layer = models.CharField(_("layer"), max_length=16, choices=Layer.choices, db_index=True)
    kind = models.CharField(
        _("kind"), max_length=32, blank=True, default="", help_text=_("The OSM tag value.")
    )
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    geom = models.GeometryField(_("geometry"), srid=SRID)

    class Meta:
        verbose_name = _("basemap feature")
        verbose_name_plural = _("basemap features")
        constraints = [sourced_unique("basemapfeature"), valid_geometry("basemapfeature")]

    def __str__(self) -> str:
        return self.name or f"{self.get_layer_display()} {self.source_id}"


class Property(SourcedRecord):
    """A building or ground the municipality owns (a school, sports hall, library, youth centre
    …), from the property register or, in the demo, derived from OSM building and amenity tags
    (:mod:`layers.osm_properties`). Reports and incidents on it or within
    ``TRYGG_PROPERTY_ROUTING_M`` metres of it are routed to its department
    (:mod:`walks.routing`)."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        PRESCHOOL = "preschool", _("Preschool")
        SPORTS_HALL = "sports_hall", _("Sports hall")
        LIBRARY = "library", _("Library")
        YOUTH_CENTRE = "youth_centre", _("Youth centre")
        CULTURE = "culture", _("Culture venue")
        CARE = "care", _("Care home")
        OFFICE = "office", _("Office")
        OTHER = "other", _("Other property")

    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    department = models.CharField(
        _("department"), max_length=16, choices=Department.choices, default=Department.PROPERTY
    )
    geom = models.MultiPolygonField(_("area"), srid=SRID)
    allowed_geometry_types = ("MultiPolygon",)
    batch = batch_field()

    class Meta:
        verbose_name = _("municipal property")
        verbose_name_plural = _("municipal properties")
        ordering = ["name", "pk"]
        constraints = [sourced_unique("property"), valid_geometry("property")]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} {self.source_id or self.pk}"

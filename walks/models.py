"""Safety walks, their findings and audits, and resident pins with their votes and history.

Geometry is in the installation's metric CRS (TRYGG_SRID). Contact details of residents live in
their own table (`PinContact`) so that nothing public ever joins them in by accident, and every
showing of them to a staff user is logged (`ContactAccess`).
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gis.core.models import SRID, MunicipalRecord, StatusChange, valid_geometry
from gis.core.vocabulary import AUDIT_PARAMETERS, Department, ParticipantRole, WhenUnsafe

FINDING_GEOMETRY_TYPES = ("Point", "LineString", "Polygon")


JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, no 0/O, 1/I
JOIN_CODE_LENGTH = 12  # 12 x 5 bits = 60 bits: not guessable, still typed on a phone


def new_join_code() -> str:
    """An unguessable walk code (60 bits) from an alphabet that reads aloud and types without
    mix-ups (no 0/O, 1/I). Codes made before these were 6 symbols (30 bits); they keep working
    while their walk is open (walks.join_codes)."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def new_tracking_token() -> str:
    """An unguessable public token for a resident's tracking link."""
    return secrets.token_urlsafe(16)


class Category(models.Model):
    """What makes a place feel unsafe, and which department owns it."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    owner = models.CharField(_("owner"), max_length=16, choices=Department.choices)
    duplicate_radius_m = models.FloatField(
        _("duplicate search radius (m)"), default=50, validators=[MinValueValidator(0)]
    )
    colour = models.CharField(_("colour"), max_length=7, default="#888888")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The colour is a hex colour (`#rgb` or `#rrggbb`): it is drawn into pages and maps.

        A model check rather than a field validator, so that no migration is needed.
        """
        from django.core.exceptions import ValidationError

        from gis.core.colours import is_hex

        super().clean()
        if not is_hex(self.colour):
            raise ValidationError(
                {"colour": _("Enter a hex colour such as #e6550d or #f80.")}, code="invalid"
            )

    @property
    def name(self) -> str:
        """The name in the active language (Swedish first)."""
        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv


class SafetyWalk(MunicipalRecord):
    """A safety walk (trygghetsvandring): a route walked by residents and the departments."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("In progress")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    district = models.ForeignKey(
        "layers.District",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("district"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    time_of_day = models.CharField(
        _("time of day"), max_length=8, choices=WhenUnsafe.choices, default=WhenUnsafe.EVENING
    )
    route = models.LineStringField(_("route"), srid=SRID, null=True, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_walks",
        verbose_name=_("leader"),
    )
    join_code = models.CharField(_("join code"), max_length=16, unique=True, default=new_join_code)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PLANNED
    )
    # The inputs the walk's route and stops were planned from (gis.walkplan): area, minutes,
    # pace, start and end, stops dropped and added; empty for a walk whose route was drawn.
    plan = models.JSONField(_("plan inputs"), default=dict, blank=True)

    class Meta:
        verbose_name = _("safety walk")
        verbose_name_plural = _("safety walks")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(route__isnull=True) | models.Q(route__isvalid=True),
                name="safetywalk_route_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    def clean(self) -> None:
        """A walk is valid without a route; a given route must be a valid LineString in the area."""
        if self.route is not None:
            from gis.core.geometry import validate_geometry

            boundary = self.municipality.boundary if self.municipality_id else None
            validate_geometry(self.route, field="route", allowed=("LineString",), boundary=boundary)

    def validate_constraints(self, exclude=None) -> None:
        """Without a route the route check has nothing to check (Django would hand ST_IsValid a
        NULL and fail with a TypeError, a 500 in the back office)."""
        if self.route is None:
            exclude = {*(exclude or ()), "route"}
        super().validate_constraints(exclude=exclude)


class WalkParticipant(models.Model):
    """A person taking part in a walk from their phone; identified by a device token only."""

    walk = models.ForeignKey(
        SafetyWalk, on_delete=models.CASCADE, related_name="participants", verbose_name=_("walk")
    )
    role = models.CharField(_("role"), max_length=16, choices=ParticipantRole.choices)
    display_name = models.CharField(_("name"), max_length=100, blank=True, default="")
    device_token = models.UUIDField(_("device token"), default=uuid.uuid4)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("walk participant")
        verbose_name_plural = _("walk participants")
        constraints = [
            models.UniqueConstraint(fields=["walk", "device_token"], name="participant_unique")
        ]

    def __str__(self) -> str:
        """Role and number, never the name: lists and links must not show it to every role."""
        return f"{self.get_role_display()} #{self.pk}"


class WalkStop(models.Model):
    """A numbered stop of a planned walk: the place, why it is on the route and what to look
    at there. Participants tick it on their phones when the walk has been there.

    ``kind`` and ``ref_id`` name what proposed the stop (a resident pin, an earlier walk's
    finding, a hot spot, a done fix, a digital walk's answer) or ``added`` for one the leader
    placed by hand. ``geom`` is in the installation's metric CRS (TRYGG_SRID)."""

    class Kind(models.TextChoices):
        PIN = "pin", _("Resident report")
        FINDING = "finding", _("Open finding of an earlier walk")
        HOTSPOT = "hotspot", _("Hot spot")
        FIX = "fix", _("Done fix to look at")
        CAMPAIGN = "campaign", _("Digital walk answer")
        ADDED = "added", _("Added by the leader")

    walk = models.ForeignKey(
        SafetyWalk, on_delete=models.CASCADE, related_name="stops", verbose_name=_("walk")
    )
    order = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    ref_id = models.BigIntegerField(_("reference"), null=True, blank=True)
    geom = models.PointField(_("location"), srid=SRID)
    title = models.CharField(_("place"), max_length=200, blank=True, default="")
    why = models.TextField(_("why"), blank=True, default="")
    look_at = models.TextField(_("what to look at"), blank=True, default="")
    ticked_at = models.DateTimeField(_("ticked"), null=True, blank=True)
    ticked_by = models.ForeignKey(
        WalkParticipant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ticked_stops",
        verbose_name=_("ticked by"),
    )

    class Meta:
        verbose_name = _("walk stop")
        verbose_name_plural = _("walk stops")
        ordering = ["walk", "order"]
        constraints = [
            models.UniqueConstraint(fields=["walk", "order"], name="walkstop_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title or self.get_kind_display()}"


class WalkFinding(MunicipalRecord):
    """Something a walk noted: a point, a stretch of path (line) or an area."""

    walk = models.ForeignKey(
        SafetyWalk, on_delete=models.CASCADE, related_name="findings", verbose_name=_("walk")
    )
    participant = models.ForeignKey(
        WalkParticipant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("participant"),
    )
    author_role = models.CharField(_("author role"), max_length=16, choices=ParticipantRole.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("category"))
    severity = models.PositiveSmallIntegerField(
        _("severity"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    when = models.CharField(_("when unsafe"), max_length=8, choices=WhenUnsafe.choices)
    note = models.TextField(_("note"), blank=True, default="")
    geom = models.GeometryField(_("geometry"), srid=SRID)
    gps_accuracy_m = models.FloatField(
        _("GPS accuracy (m)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    observed_at = models.DateTimeField(_("observed at"), db_index=True)
    client_uuid = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    allowed_geometry_types = FINDING_GEOMETRY_TYPES

    class Meta:
        verbose_name = _("walk finding")
        verbose_name_plural = _("walk findings")
        ordering = ["-observed_at"]
        indexes = [
            models.Index(fields=["municipality", "observed_at"], name="walkfinding_muni_observed")
        ]
        constraints = [
            valid_geometry("walkfinding"),
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=5),
                name="walkfinding_severity_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} ({self.severity})"


class FindingPhoto(models.Model):
    """A photo of a finding, re-encoded and stripped of metadata on upload."""

    finding = models.ForeignKey(
        WalkFinding, on_delete=models.CASCADE, related_name="photos", verbose_name=_("finding")
    )
    image = models.ImageField(_("image"), upload_to="findings/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="findings/thumbs/%Y/%m/", blank=True)
    client_uuid = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("finding photo")
        verbose_name_plural = _("finding photos")


class WalkAudit(MunicipalRecord):
    """A structured safety audit at a stop of a walk: nine parameters rated 0 (poor) to 3 (good)."""

    PARAMETERS = AUDIT_PARAMETERS

    walk = models.ForeignKey(
        SafetyWalk, on_delete=models.CASCADE, related_name="audits", verbose_name=_("walk")
    )
    participant = models.ForeignKey(
        WalkParticipant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("participant"),
    )
    stop_name = models.CharField(_("stop"), max_length=100, blank=True, default="")
    geom = models.PointField(_("location"), srid=SRID)
    observed_at = models.DateTimeField(_("observed at"))
    client_uuid = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    note = models.TextField(_("note"), blank=True, default="")
    lighting = models.PositiveSmallIntegerField(_("lighting"), validators=[MaxValueValidator(3)])
    openness = models.PositiveSmallIntegerField(_("openness"), validators=[MaxValueValidator(3)])
    visibility = models.PositiveSmallIntegerField(
        _("visibility"), validators=[MaxValueValidator(3)]
    )
    people = models.PositiveSmallIntegerField(_("people"), validators=[MaxValueValidator(3)])
    security = models.PositiveSmallIntegerField(_("security"), validators=[MaxValueValidator(3)])
    walk_path = models.PositiveSmallIntegerField(_("walk path"), validators=[MaxValueValidator(3)])
    public_transport = models.PositiveSmallIntegerField(
        _("public transport"), validators=[MaxValueValidator(3)]
    )
    diversity = models.PositiveSmallIntegerField(
        _("gender and diversity of users"), validators=[MaxValueValidator(3)]
    )
    feeling = models.PositiveSmallIntegerField(_("feeling"), validators=[MaxValueValidator(3)])
    allowed_geometry_types = ("Point",)

    class Meta:
        verbose_name = _("walk audit")
        verbose_name_plural = _("walk audits")
        constraints = [valid_geometry("walkaudit")]

    def total(self) -> int:
        """The audit's sum over the nine parameters (0–27)."""
        return sum(getattr(self, name) for name in self.PARAMETERS)


class ResidentPin(MunicipalRecord):
    """A resident's report of a place that feels unsafe ("here, because ...")."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        TRIAGED = "triaged", _("Triaged")
        MEASURE_PLANNED = "measure_planned", _("Measure planned")
        FIXED = "fixed", _("Fixed")
        FEEDBACK_GIVEN = "feedback_given", _("Feedback given")
        CLOSED_NOT_OURS = "closed_not_ours", _("Closed: not the municipality's")
        CLOSED_DUPLICATE = "closed_duplicate", _("Closed: duplicate")
        CLOSED_NO_ACTION = "closed_no_action", _("Closed: no action")

    OPEN311_CLOSED = frozenset(
        {
            Status.FEEDBACK_GIVEN,
            Status.CLOSED_NOT_OURS,
            Status.CLOSED_DUPLICATE,
            Status.CLOSED_NO_ACTION,
        }
    )

    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("category"))
    district = models.ForeignKey(
        "layers.District",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("district"),
    )
    when = models.CharField(_("when unsafe"), max_length=8, choices=WhenUnsafe.choices)
    description = models.TextField(_("description"), max_length=2000)
    geom = models.PointField(_("location"), srid=SRID)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("duplicate of")
    )
    public_answer = models.TextField(_("answer to the resident"), blank=True, default="")
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    tracking_token = models.CharField(
        _("tracking token"), max_length=32, unique=True, default=new_tracking_token
    )
    client_uuid = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    vote_count = models.PositiveIntegerField(_("supporting votes"), default=0)
    partner = models.ForeignKey(
        "core.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pins",
        verbose_name=_("partner"),
        help_text=_("The EST partner that reported it (a shift report, Open311 with its key)."),
    )
    published = models.BooleanField(
        _("description and photo public"),
        default=True,
        help_text=_("The resident agreed to show the description and photo publicly."),
    )
    allowed_geometry_types = ("Point",)

    class Meta:
        verbose_name = _("resident pin")
        verbose_name_plural = _("resident pins")
        ordering = ["-reported_at"]
        constraints = [valid_geometry("residentpin")]
        # A municipality's reports of a period (dashboard, situation picture): see
        # docs/scaling.md.
        indexes = [
            models.Index(fields=["municipality", "reported_at"], name="residentpin_muni_reported")
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.description[:40]}"

    @property
    def open311_status(self) -> str:
        """Open311 GeoReport v2 knows only "open" and "closed"."""
        return "closed" if self.status in self.OPEN311_CLOSED else "open"

    @property
    def routed_department(self) -> str:
        """The department the report was routed to (walks.routing); a report from before
        routing goes to its category's owner."""
        return self.department or self.category.owner

    # Where the report was routed when it was made (walks.routing). Declared after the
    # methods above: a field named `property` hides the builtin decorator below it.
    department = models.CharField(
        _("routed to"),
        max_length=16,
        choices=Department.choices,
        blank=True,
        default="",
        help_text=_("Empty for reports from before routing: the category's owner."),
    )
    property = models.ForeignKey(
        "layers.Property",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pins",
        verbose_name=_("municipal property"),
        help_text=_("The property the report lies on or next to, whose department it went to."),
    )


class PinContact(models.Model):
    """A resident's optional contact details: private, seen only by the coordinator role."""

    pin = models.OneToOneField(
        ResidentPin, on_delete=models.CASCADE, related_name="contact", verbose_name=_("pin")
    )
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")

    class Meta:
        verbose_name = _("contact details")
        verbose_name_plural = _("contact details")
        permissions = [("view_contact_details", _("Can view residents' contact details"))]


class PinPhoto(models.Model):
    """A photo attached to a resident pin, re-encoded and stripped of metadata on upload."""

    pin = models.ForeignKey(
        ResidentPin, on_delete=models.CASCADE, related_name="photos", verbose_name=_("pin")
    )
    image = models.ImageField(_("image"), upload_to="pins/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="pins/thumbs/%Y/%m/", blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("pin photo")
        verbose_name_plural = _("pin photos")


class PinVote(models.Model):
    """A supporting vote ("I feel so too") instead of a duplicate pin: one per supporter.

    A supporter is the client's address and, when it sends one, its device token
    (walks.supporters): one vote per address per pin and one per device per pin, so rotating
    device tokens from one address adds nothing. The address is stored only as a keyed hash
    (HMAC with the secret key), and both are personal data that the retention purge empties;
    votes made before the hash was kept have none.
    """

    pin = models.ForeignKey(
        ResidentPin, on_delete=models.CASCADE, related_name="votes", verbose_name=_("pin")
    )
    client_uuid = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    when = models.CharField(
        _("when unsafe"), max_length=8, choices=WhenUnsafe.choices, blank=True, default=""
    )
    voted_at = models.DateTimeField(_("voted"), auto_now_add=True)
    address_hash = models.CharField(
        _("address (keyed hash)"), max_length=64, null=True, blank=True, editable=False
    )
    device_token = models.UUIDField(_("device token"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("supporting vote")
        verbose_name_plural = _("supporting votes")
        constraints = [
            models.UniqueConstraint(
                fields=["pin", "address_hash"],
                condition=models.Q(address_hash__isnull=False),
                name="pinvote_one_per_address",
            ),
            models.UniqueConstraint(
                fields=["pin", "device_token"],
                condition=models.Q(device_token__isnull=False),
                name="pinvote_one_per_device",
            ),
        ]


class PinStatusChange(StatusChange):
    """The history of a pin: every status change with who made it and when."""

    pin = models.ForeignKey(
        ResidentPin, on_delete=models.CASCADE, related_name="history", verbose_name=_("pin")
    )


class ContactAccess(models.Model):
    """One showing of a resident's contact details to a staff user: who, when, which pin, where.

    Written by the views that show contact details, never edited; the pin is referenced without a
    database constraint, so the entry outlives the pin and its contact details.
    """

    class Channel(models.TextChoices):
        ADMIN = "admin", _("Back office pin page")
        DASHBOARD = "dashboard", _("Dashboard pin details")
        TRIAGE = "triage", _("Dashboard triage answer")

    accessed_at = models.DateTimeField(_("viewed at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150)
    pin = models.ForeignKey(
        ResidentPin,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("pin"),
    )
    channel = models.CharField(_("shown in"), max_length=16, choices=Channel.choices)

    class Meta:
        verbose_name = _("contact details access")
        verbose_name_plural = _("contact details accesses")
        ordering = ["-accessed_at", "-id"]

    def __str__(self) -> str:
        when = timezone.localtime(self.accessed_at)
        return f"{self.username} · {self.pin_id} · {when:%Y-%m-%d %H:%M}"

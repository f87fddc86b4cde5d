"""Digital safety walks run as campaigns: a time-boxed questionnaire over an area, answered
anonymously on a phone with points, avoided ways and places, and a few questions.

Geometry is in the installation's metric CRS (TRYGG_SRID). A response's optional e-mail lives in
its own table (`CampaignContact`), like a pin's contact details, so that nothing public ever joins
it in; the address a response came from is stored only as a keyed hash (walks.supporters).
Nothing a resident typed is public before a coordinator published it (`CampaignFeature.status`).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gis.core.geometry import validate_geometry
from gis.core.models import SRID, MunicipalRecord, valid_geometry
from gis.core.vocabulary import WhenUnsafe

SLUG_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # 31 symbols, no 0/o, 1/l/i
SLUG_LENGTH = 10  # about 50 bits: a link on a poster, not guessable by trying

SCALE = "scale"
TEXT = "text"
QUESTION_KINDS = (SCALE, TEXT)
SCALE_MIN, SCALE_MAX = 1, 5
ANSWER_MAX = 1000


def new_slug() -> str:
    """An unguessable, readable link part for a campaign (lowercase, no look-alikes)."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_LENGTH))


def default_questions() -> list[dict]:
    """The short question set of a digital walk: how safe by day, in the evening and at night
    (1–5), why, and what would help."""
    return [
        {
            "key": "safe_day",
            "kind": SCALE,
            "sv": "Hur trygg känner du dig här dagtid?",
            "en": "How safe do you feel here in the daytime?",
        },
        {
            "key": "safe_night",
            "kind": SCALE,
            "sv": "Hur trygg känner du dig här kvällstid och nattetid?",
            "en": "How safe do you feel here in the evening and at night?",
        },
        {"key": "why", "kind": TEXT, "sv": "Varför?", "en": "Why?"},
        {
            "key": "help",
            "kind": TEXT,
            "sv": "Vad skulle göra det tryggare?",
            "en": "What would make it safer?",
        },
    ]


def question_text(question: dict) -> str:
    """A question's text in the active language (Swedish when there is no English)."""
    language = (get_language() or "sv")[:2]
    return str(question.get(language) or question.get("sv") or question.get("key", ""))


def check_questions(questions) -> None:
    """Raise a ValidationError naming `questions` unless it is a list of 1–10 questions, each
    with a unique `key`, a `kind` of scale or text, and a Swedish text."""
    if not isinstance(questions, list) or not 1 <= len(questions) <= 10:
        raise ValidationError({"questions": _("Give between 1 and 10 questions.")})
    keys = set()
    for question in questions:
        if not isinstance(question, dict):
            raise ValidationError({"questions": _("Each question is an object.")})
        key, kind = question.get("key"), question.get("kind")
        if not isinstance(key, str) or not key.isidentifier() or key in keys or len(key) > 32:
            raise ValidationError(
                {"questions": _("Each question needs its own key (letters, digits, _).")}
            )
        if kind not in QUESTION_KINDS:
            raise ValidationError({"questions": _("A question's kind is scale or text.")})
        if not isinstance(question.get("sv"), str) or not question["sv"].strip():
            raise ValidationError({"questions": _("Each question needs a Swedish text (sv).")})
        keys.add(key)


class Campaign(MunicipalRecord):
    """A digital safety walk: an area residents answer about between two dates."""

    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("Not open yet")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("link"),
        max_length=40,
        unique=True,
        default=new_slug,
        help_text=_("The last part of the public link; the default is hard to guess."),
    )
    district = models.ForeignKey(
        "layers.District",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("district"),
        help_text=_("The area: a district, or draw one below."),
    )
    # The district's boundary is copied here when no area is drawn (see `save`), so a campaign
    # keeps its area when a district is redrawn or deleted.
    area = models.MultiPolygonField(_("drawn area"), srid=SRID, null=True, blank=True)
    starts_on = models.DateField(_("opens on"))
    ends_on = models.DateField(_("last day"))
    closed_at = models.DateTimeField(
        _("closed early"),
        null=True,
        blank=True,
        help_text=_("Set to close the campaign before its last day."),
    )
    intro = models.TextField(_("introduction"), max_length=2000, blank=True, default="")
    questions = models.JSONField(_("questions"), default=default_questions)
    decision = models.TextField(
        _("what the municipality decided"),
        max_length=4000,
        blank=True,
        default="",
        help_text=_("Shown on the public results page once the campaign is closed."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("digital walk")
        verbose_name_plural = _("digital walks")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day lies before the first.")})
        if self.area is None and self.district_id is None:
            raise ValidationError({"area": _("Pick a district or draw the area.")})
        if self.area is not None:
            boundary = self.municipality.boundary if self.municipality_id else None
            validate_geometry(self.area, field="area", boundary=boundary)
        same = self.district_id is None or self.municipality_id is None
        if not same and self.district.municipality_id != self.municipality_id:
            raise ValidationError({"district": _("The district is in another municipality.")})
        check_questions(self.questions)

    def save(self, *args, **kwargs) -> None:
        if self.area is None and self.district_id is not None:
            self.area = self.district.geom
        super().save(*args, **kwargs)

    @property
    def region(self):
        """The campaign's area in the storage CRS: the drawn area, else the district's."""
        if self.area is not None:
            return self.area
        return self.district.geom if self.district_id else None

    def status_on(self, day: dt.date | None = None) -> str:
        """Upcoming before `starts_on`, closed after `ends_on` or once closed early, else open
        (days in the installation's time zone)."""
        day = day or timezone.localdate()
        if self.closed_at is not None or day > self.ends_on:
            return self.Status.CLOSED
        if day < self.starts_on:
            return self.Status.UPCOMING
        return self.Status.OPEN

    @property
    def status(self) -> str:
        return self.status_on()

    def get_status_display(self) -> str:
        return str(dict(self.Status.choices)[self.status])


class CampaignResponse(models.Model):
    """One resident's answer to a campaign, sent at once: features and answers to the questions.

    `client_uuid` is made on the phone, so a resend (the offline outbox) stores nothing twice.
    The address is kept only as a keyed hash (walks.supporters.address_hash) and the device
    token for the rate limits and against ballot stuffing; both are emptied by the retention
    purge (gis.campaigns.retention).
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="responses", verbose_name=_("campaign")
    )
    client_uuid = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    address_hash = models.CharField(
        _("address (keyed hash)"), max_length=64, null=True, blank=True, editable=False
    )
    device_token = models.UUIDField(_("device token"), null=True, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")

    class Meta:
        verbose_name = _("digital walk answer")
        verbose_name_plural = _("digital walk answers")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign} · {timezone.localtime(self.submitted_at):%Y-%m-%d %H:%M}"


class CampaignContact(models.Model):
    """The e-mail a resident chose to leave with an answer: private, deleted by retention."""

    response = models.OneToOneField(
        CampaignResponse,
        on_delete=models.CASCADE,
        related_name="contact",
        verbose_name=_("answer"),
    )
    email = models.EmailField(_("e-mail"))

    class Meta:
        verbose_name = _("contact e-mail")
        verbose_name_plural = _("contact e-mails")


class CampaignFeature(models.Model):
    """A point, "a way I avoid" (line) or "a place I avoid" (area) of an answer."""

    class Kind(models.TextChoices):
        POINT = "point", _("Point")
        AVOIDED_WAY = "avoided_way", _("A way I avoid")
        AVOIDED_PLACE = "avoided_place", _("A place I avoid")

    class Moderation(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    GEOMETRY_TYPES = {
        Kind.POINT: "Point",
        Kind.AVOIDED_WAY: "LineString",
        Kind.AVOIDED_PLACE: "Polygon",
    }

    response = models.ForeignKey(
        CampaignResponse,
        on_delete=models.CASCADE,
        related_name="features",
        verbose_name=_("answer"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    geom = models.GeometryField(_("geometry"), srid=SRID)
    category = models.ForeignKey(
        "walks.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("category"),
    )
    comment = models.TextField(_("comment"), max_length=ANSWER_MAX, blank=True, default="")
    when = models.CharField(
        _("when unsafe"), max_length=8, choices=WhenUnsafe.choices, blank=True, default=""
    )
    status = models.CharField(
        _("moderation"),
        max_length=16,
        choices=Moderation.choices,
        default=Moderation.PENDING,
        db_index=True,
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    pin = models.ForeignKey(
        "walks.ResidentPin",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_features",
        verbose_name=_("resident report made of it"),
    )

    class Meta:
        verbose_name = _("digital walk feature")
        verbose_name_plural = _("digital walk features")
        ordering = ["response__submitted_at", "id"]
        constraints = [valid_geometry("campaignfeature")]

    def __str__(self) -> str:
        label = self.category.name if self.category_id else self.get_kind_display()
        return f"{label}: {self.comment[:40]}" if self.comment else str(label)

    @property
    def campaign(self) -> Campaign:
        return self.response.campaign

    @property
    def published(self) -> bool:
        return self.status == self.Moderation.PUBLISHED


class CampaignPhoto(models.Model):
    """A photo of a feature, re-encoded without metadata on upload (walks.photos)."""

    feature = models.ForeignKey(
        CampaignFeature, on_delete=models.CASCADE, related_name="photos", verbose_name=_("feature")
    )
    image = models.ImageField(_("image"), upload_to="campaigns/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="campaigns/thumbs/%Y/%m/", blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("digital walk photo")
        verbose_name_plural = _("digital walk photos")

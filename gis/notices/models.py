"""What residents and staff are sent, and why: subscriptions, the outbox, digest settings, and
the record of personal-data requests.

Every message is stored first (`Message`, the outbox) and sent after the transaction that made
it commits, or later by `trygg notices send`: a mail server that is down never blocks or undoes
the change that caused the message, and nothing is lost (gis.notices.outbox).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gis.core.vocabulary import Department


def new_token() -> str:
    """An unguessable token for a subscription's unsubscribe link (192 bits)."""
    return secrets.token_urlsafe(24)


def normalise_email(address: str) -> str:
    """An address as it is stored and compared: trimmed, lower case."""
    return (address or "").strip().lower()


class NoticeSettings(models.Model):
    """Who in a municipality gets the digests, and when."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    municipality = models.OneToOneField(
        "core.Municipality",
        on_delete=models.CASCADE,
        related_name="notice_settings",
        verbose_name=_("municipality"),
    )
    coordinator_emails = models.TextField(
        _("coordinators' addresses"),
        blank=True,
        default="",
        help_text=_("One e-mail address per line; they get the daily digest."),
    )
    daily_digest = models.BooleanField(_("daily digest of new reports"), default=True)
    department_emails = models.TextField(
        _("departments' addresses"),
        blank=True,
        default="",
        help_text=_(
            "One line per address: department code, colon, address "
            "(e.g. street: gata@kommun.se); they get the weekly digest of their fixes."
        ),
    )
    weekly_digest = models.BooleanField(_("weekly digest of fixes"), default=True)
    weekly_weekday = models.PositiveSmallIntegerField(
        _("weekday of the weekly digest"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    overdue_days = models.PositiveSmallIntegerField(
        _("days before a planned fix is overdue"),
        default=30,
        help_text=_(
            "A scheduled fix is overdue after its date; a planned fix without a date after this "
            "many days in the same status."
        ),
    )
    language = models.CharField(
        _("language of the digests"), max_length=8, choices=settings.LANGUAGES, default="sv"
    )

    class Meta:
        verbose_name = _("notice settings")
        verbose_name_plural = _("notice settings")

    def __str__(self) -> str:
        return str(self.municipality)

    def coordinators(self) -> list[str]:
        """The coordinators' addresses, normalised, without duplicates."""
        lines = (normalise_email(line) for line in self.coordinator_emails.splitlines())
        return list(dict.fromkeys(line for line in lines if line))

    def departments(self) -> dict[str, list[str]]:
        """Each department's addresses (lines with an unknown department are left out)."""
        known = set(Department.values)
        found: dict[str, list[str]] = {}
        for line in self.department_emails.splitlines():
            department, sep, address = line.partition(":")
            department, address = department.strip().lower(), normalise_email(address)
            if sep and department in known and address and address not in found.get(department, []):
                found.setdefault(department, []).append(address)
        return found

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        super().clean()
        for address in self.coordinators():
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    {"coordinator_emails": _("Not an e-mail address: %s") % address}
                ) from None
        known = set(Department.values)
        for line in filter(str.strip, self.department_emails.splitlines()):
            department, sep, address = line.partition(":")
            try:
                if not sep or department.strip().lower() not in known:
                    raise ValidationError("department")
                validate_email(normalise_email(address))
            except ValidationError:
                raise ValidationError(
                    {"department_emails": _("Write department: address, got: %s") % line.strip()}
                ) from None


class Subscription(models.Model):
    """An address told about one report's changes: its reporter's, or a supporter's."""

    class Role(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        SUPPORTER = "supporter", _("Supporter")

    pin = models.ForeignKey(
        "walks.ResidentPin",
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("pin"),
    )
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=8, default="sv")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    token = models.CharField(_("token"), max_length=40, unique=True, default=new_token)
    created_at = models.DateTimeField(_("subscribed"), default=timezone.now)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["pin", "email"], name="subscription_one_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.pin_id} · {self.get_role_display()}"

    @property
    def active(self) -> bool:
        return self.unsubscribed_at is None


class Message(models.Model):
    """One e-mail in the outbox: stored first, then sent, retried with backoff until sent or
    given up (failed, shown in the back office)."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation of a report")
        SUPPORT = "support", _("Confirmation of a supporter")
        STATUS = "status", _("Report changed")
        DAILY = "daily", _("Daily digest")
        WEEKLY = "weekly", _("Weekly digest")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("municipality"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    pin = models.ForeignKey(
        "walks.ResidentPin",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pin"),
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("subscription"),
    )
    recipient = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=8, default="sv")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    dedupe_key = models.CharField(_("event key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True, default="")
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notices_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_status_display()}"


class PersonalDataRequest(models.Model):
    """One look-up, export or erasure of the personal data tied to an e-mail address.

    The address itself is not kept: only a keyed hash, so the record shows that a request was
    made and what it found without holding the address it was about.
    """

    class Kind(models.TextChoices):
        LOOKUP = "lookup", _("Look-up")
        EXPORT = "export", _("Export")
        ERASE = "erase", _("Erasure")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    address_hash = models.CharField(_("address (keyed hash)"), max_length=64, db_index=True)
    requested_at = models.DateTimeField(_("when"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    by_name = models.CharField(_("by (name)"), max_length=150, blank=True, default="")
    dry_run = models.BooleanField(_("dry run"), default=False)
    counts = models.JSONField(_("counts"), default=dict)

    class Meta:
        verbose_name = _("personal-data request")
        verbose_name_plural = _("personal-data requests")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        when = timezone.localtime(self.requested_at)
        return f"{self.get_kind_display()} · {when:%Y-%m-%d %H:%M}"

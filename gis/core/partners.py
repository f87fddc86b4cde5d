"""EST partners: the organisations that send incidents to a municipality, and their API keys.

A partner (the police, a security company, a housing company, the night walkers, the safety
hosts) belongs to one municipality. Its people log in as users with the `partner` role and
membership of the partner; its systems send incidents with an API key. A key is shown once,
when it is made, and only its SHA-256 digest is stored: a key is 256 random bits, so a fast
hash is as safe as a slow one and lets every request be checked with one indexed lookup.
Every use of a key is logged (`PartnerKeyUse`).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: What every key starts with, so that a leaked key is recognisable (and greppable) as Trygg's.
KEY_PREFIX = "trygg_"


class Partner(models.Model):
    """A partner organisation of a municipality's EST (Effektiv Samordning för Trygghet)."""

    class Kind(models.TextChoices):
        POLICE = "police", _("Police")
        SECURITY_COMPANY = "security_company", _("Security company")
        HOUSING_COMPANY = "housing_company", _("Housing company")
        NIGHT_WALKERS = "night_walkers", _("Night walkers")
        SAFETY_HOSTS = "safety_hosts", _("Safety hosts")
        OTHER = "other", _("Other")

    municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.CASCADE,
        related_name="partners",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="partner_memberships",
        verbose_name=_("members"),
        help_text=_(
            "Users who report for this partner: they see the partner's own submissions and "
            "what became of them."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="partner_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        """The `source` its incidents carry: their `external_id`s are unique within it."""
        return f"partner-{self.pk}"


def digest(key: str) -> str:
    """The stored form of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class PartnerKey(models.Model):
    """An API key of a partner: scoped to its municipality and the record kinds it may send,
    revocable, optionally expiring, rate-limited per hour."""

    class Scope(models.TextChoices):
        INCIDENTS = "incidents", _("Incidents")
        REQUESTS = "requests", _("Service requests (Open311)")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="keys", verbose_name=_("partner")
    )
    label = models.CharField(_("label"), max_length=100, blank=True, default="")
    prefix = models.CharField(_("key begins"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("may send"), default=list)
    rate_per_hour = models.PositiveIntegerField(_("requests per hour"), default=600)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.partner} {self.prefix}…"

    @classmethod
    def issue(
        cls,
        partner: Partner,
        *,
        scopes: list[str] | None = None,
        label: str = "",
        expires_at=None,
        rate_per_hour: int = 600,
        created_by=None,
    ) -> tuple[PartnerKey, str]:
        """Make a key and return it with its one and only plain-text form."""
        plain = KEY_PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(
            partner=partner,
            label=label,
            prefix=plain[: len(KEY_PREFIX) + 6],
            digest=digest(plain),
            scopes=list(scopes or [cls.Scope.INCIDENTS]),
            expires_at=expires_at,
            rate_per_hour=rate_per_hour,
            created_by=created_by,
        )
        return key, plain

    def is_live(self, now=None) -> bool:
        """Neither revoked nor expired."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def authenticate_key(plain: str) -> PartnerKey | None:
    """The live key whose digest matches, or None (unknown, revoked or expired)."""
    if not plain or not plain.startswith(KEY_PREFIX) or len(plain) > 100:
        return None
    key = (
        PartnerKey.objects.select_related("partner__municipality")
        .filter(digest=digest(plain))
        .first()
    )
    return key if key is not None and key.is_live() else None


class PartnerKeyUse(models.Model):
    """One request made with a key: when, where, with what answer."""

    key = models.ForeignKey(
        PartnerKey, on_delete=models.CASCADE, related_name="uses", verbose_name=_("key")
    )
    used_at = models.DateTimeField(_("used"), auto_now_add=True, db_index=True)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=200)
    status = models.PositiveSmallIntegerField(_("answer"))
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("key use")
        verbose_name_plural = _("key uses")
        ordering = ["-used_at"]


def partners_of(user) -> models.QuerySet[Partner]:
    """The partners a user reports for (none for staff who are not partner members)."""
    if not getattr(user, "is_authenticated", False):
        return Partner.objects.none()
    return Partner.objects.filter(members=user)


def incident_partner_ids(user) -> frozenset[int] | None:
    """The partners whose incident descriptions `user` may read: None for all (the
    municipality's staff), else the partners `user` reports for (a user of the `partner` role
    reads its own partner's descriptions, never another partner's nor the municipality's).
    The one rule for the dashboard, the situation picture and the back office."""
    if user.is_superuser or not user.groups.filter(name="partner").exists():
        return None
    return frozenset(partners_of(user).values_list("pk", flat=True))


def may_read_description(user, incident) -> bool:
    """Whether `user` may read the description of `incident` (:func:`incident_partner_ids`)."""
    allowed = incident_partner_ids(user)
    return allowed is None or incident.partner_id in allowed

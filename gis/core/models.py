"""The kernel's models: the municipality every record belongs to, and the abstract bases every
app's models share (a municipal record, a sourced layer record, a status history).

Geometry is stored in the installation's metric CRS (`TRYGG_SRID`, SWEREF 99 TM by default).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from gis.core.geometry import validate_geometry

SRID = settings.TRYGG_SRID


class Municipality(models.Model):
    """A municipality: the tenant every other record belongs to.

    Its table keeps the name it had when the model lived in `layers` (`layers_municipality`):
    the model moved to the kernel without touching data.
    """

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=16, unique=True)
    boundary = models.MultiPolygonField(_("boundary"), srid=SRID)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="municipalities",
        verbose_name=_("staff"),
        help_text=_(
            "Users who work for this municipality: they see and change only its records. "
            "Superusers work for every municipality."
        ),
    )

    class Meta:
        db_table = "layers_municipality"
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(boundary__isvalid=True), name="municipality_boundary_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MunicipalRecord(models.Model):
    """A record that belongs to one municipality (the key a sharded deployment distributes by)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.CASCADE, verbose_name=_("municipality")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # GEOS geometry types the `geom` field accepts; None accepts any.
    allowed_geometry_types: tuple[str, ...] | None = None

    class Meta:
        abstract = True

    def clean(self) -> None:
        """Reject invalid, wrongly typed or out-of-municipality geometry with a field message
        (records without a `geom` field, such as a presence resource, have none to check)."""
        super().clean()
        if not any(f.name == "geom" for f in self._meta.concrete_fields):
            return
        boundary = self.municipality.boundary if self.municipality_id else None
        validate_geometry(
            getattr(self, "geom", None), allowed=self.allowed_geometry_types, boundary=boundary
        )


class SourcedRecord(MunicipalRecord):
    """A layer record from a source (e.g. OSM): a re-import updates it instead of duplicating."""

    source = models.CharField(_("source"), max_length=32, default="manual")
    source_id = models.CharField(_("source id"), max_length=64, blank=True, default="")

    class Meta:
        abstract = True


def sourced_unique(model_name: str) -> models.UniqueConstraint:
    """One record per (municipality, source, source id) when the source id is set."""
    return models.UniqueConstraint(
        fields=["municipality", "source", "source_id"],
        condition=~models.Q(source_id=""),
        name=f"{model_name}_unique_source_id",
    )


def valid_geometry(model_name: str) -> models.CheckConstraint:
    """A database-level guarantee that stored geometry is valid (ST_IsValid)."""
    return models.CheckConstraint(
        condition=models.Q(geom__isvalid=True), name=f"{model_name}_geom_valid"
    )


class StatusChange(models.Model):
    """One step of a record's workflow history: from which status to which, who, when and why.

    The concrete history models (a pin's, a fix's) add the key of the record they belong to,
    named after it, with `related_name="history"`.
    """

    from_status = models.CharField(_("from"), max_length=20, blank=True, default="")
    to_status = models.CharField(_("to"), max_length=20)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        abstract = True
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["changed_at"]


from gis.core.partners import Partner, PartnerKey, PartnerKeyUse  # noqa: E402, F401  (registered)

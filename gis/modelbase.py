"""Abstract bases shared by the models of every app."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from gis.geometry import validate_geometry

SRID = settings.TRYGG_SRID


class MunicipalRecord(models.Model):
    """A record that belongs to one municipality (the key a sharded deployment distributes by)."""

    municipality = models.ForeignKey(
        "layers.Municipality", on_delete=models.CASCADE, verbose_name=_("municipality")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # GEOS geometry types the `geom` field accepts; None accepts any.
    allowed_geometry_types: tuple[str, ...] | None = None

    class Meta:
        abstract = True

    def clean(self) -> None:
        """Reject invalid, wrongly typed or out-of-municipality geometry with a field message."""
        super().clean()
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

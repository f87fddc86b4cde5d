"""The shared vocabulary of Trygg: departments, times of day, roles and audit parameters."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gis.core import timeofday


class Department(models.TextChoices):
    """Who owns a category of problem or a fix."""

    STREET = "street", _("Street department")
    PARKS = "parks", _("Parks department")
    PROPERTY = "property", _("Property management")
    HOUSING = "housing", _("Housing company")
    POLICE = "police", _("Police")
    SOCIAL = "social", _("Social services")


class WhenUnsafe(models.TextChoices):
    """When a place feels unsafe: the translated labels of :mod:`gis.core.timeofday`'s periods
    (whose hours decide an incident's period)."""

    DAY = timeofday.DAY, _("Day")
    EVENING = timeofday.EVENING, _("Evening")
    NIGHT = timeofday.NIGHT, _("Night")


if tuple(WhenUnsafe.values) != timeofday.NAMES:  # one vocabulary: same names, same order
    raise RuntimeError(f"WhenUnsafe {WhenUnsafe.values} differs from timeofday {timeofday.NAMES}")


class ParticipantRole(models.TextChoices):
    """The role a safety-walk participant takes part in."""

    RESIDENT = "resident", _("Resident")
    POLICE = "police", _("Police")
    HOUSING = "housing", _("Housing company")
    STREET = "street", _("Street department")
    PARKS = "parks", _("Parks department")
    OTHER = "other", _("Other")


# The nine parameters of a structured safety audit, each rated 0 (poor) to 3 (good).
AUDIT_PARAMETERS = (
    "lighting",
    "openness",
    "visibility",
    "people",
    "security",
    "walk_path",
    "public_transport",
    "diversity",
    "feeling",
)

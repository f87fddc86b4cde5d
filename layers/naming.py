"""How a place is named for people: the words, in the active language.

A street segment is named by its own street name, with the house numbers along it when the
extract has addresses ("Mannerheimintie 12–20"); a segment without a name by its kind of way
and the nearest named street, square or park ("Gångväg vid Töölönlahden puisto", "Footway near
Töölönlahden puisto"); with no named place nearby, by its kind of way alone ("Gångväg"). A
green area is named the same way, as a park. Database ids are never part of a name: pages show
them among a place's details, exports in a column of their own.

The parts of a name are stored on the records when the layers are imported
(:mod:`layers.placenames`); only the words are chosen here, when a name is shown, so the same
record reads in Swedish or in English. Kinds of way are OpenStreetMap's ``highway`` values;
their words are in the Swedish catalogue (``layers/locale/sv``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: Each OSM `highway` value of the walkable network in words (the kind of way).
WAY_TYPES = {
    "footway": gettext_lazy("Footway"),
    "path": gettext_lazy("Path"),
    "pedestrian": gettext_lazy("Pedestrian street"),
    "steps": gettext_lazy("Steps"),
    "living_street": gettext_lazy("Living street"),
    "residential": gettext_lazy("Residential street"),
    "service": gettext_lazy("Service road"),
    "unclassified": gettext_lazy("Minor road"),
    "tertiary": gettext_lazy("Street"),
    "secondary": gettext_lazy("Street"),
    "primary": gettext_lazy("Main street"),
    "tertiary_link": gettext_lazy("Slip road"),
    "secondary_link": gettext_lazy("Slip road"),
    "primary_link": gettext_lazy("Slip road"),
    "cycleway": gettext_lazy("Cycleway"),
    "track": gettext_lazy("Track"),
    "corridor": gettext_lazy("Corridor"),
    "bridleway": gettext_lazy("Bridleway"),
    "road": gettext_lazy("Road"),
    "platform": gettext_lazy("Platform"),
    "square": gettext_lazy("Square"),
    "park": gettext_lazy("Park"),
}
#: A kind of way OSM does not say, or one not listed above.
ANY_WAY = gettext_lazy("Way")


class NamedSegment(Protocol):
    """What naming a street segment reads (a :class:`layers.models.StreetSegment`)."""

    name: str
    house_numbers: str
    near_name: str
    highway: str


class NamedArea(Protocol):
    """What naming a green area reads (a :class:`layers.models.GreenArea`)."""

    name: str
    near_name: str


def way_type(highway: str | None) -> str:
    """The kind of way of an OSM `highway` value in words, e.g. "Gångväg" for footway."""
    return str(WAY_TYPES.get(highway or "", ANY_WAY))


def place_name(
    *, name: str = "", house_numbers: str = "", near_name: str = "", kind: str = ""
) -> str:
    """A place's name from its stored parts, in the active language.

    Parameters
    ----------
    name : str
        Its own name (a street's, a park's); wins when given.
    house_numbers : str
        The range of addresses along it, e.g. "12–20"; follows its own name.
    near_name : str
        The nearest named street, square or park, for a place without a name.
    kind : str
        Its OSM `highway` value, or "park" / "square".
    """
    if name:
        return f"{name} {house_numbers}" if house_numbers else name
    if near_name:
        return _("%(way)s near %(place)s") % {"way": way_type(kind), "place": near_name}
    return way_type(kind)


def segment_name(segment: NamedSegment) -> str:
    """The name people use for a street segment (see the module's description)."""
    return place_name(
        name=segment.name,
        house_numbers=segment.house_numbers,
        near_name=segment.near_name,
        kind=segment.highway,
    )


def green_area_name(area: NamedArea) -> str:
    """The name people use for a green area: its own, else "Park near …", else "Park"."""
    return place_name(name=area.name, near_name=area.near_name, kind="park")


def names_at(
    municipality_id: int, points: Sequence[tuple[float, float]], *, srid: int | None = None
) -> list[str]:
    """The name of the place at each point: that of the nearest segment that has a name or a
    named place nearby, within :data:`layers.placenames.NEAR_M` metres ("" where none is).

    Names hot-spot cells by their centres. `points` are (x, y) in `srid` (default the storage
    CRS, ``settings.TRYGG_SRID``, metres; 4326 for WGS 84 longitude, latitude).
    """
    # Imported when first used: the models import this module, and a server should not load
    # geopandas at boot.
    from layers.placenames import nearest_named_segments

    return [
        segment_name(parts) if parts else ""
        for parts in nearest_named_segments(municipality_id, points, srid=srid)
    ]

"""The incidents of a period as the situation picture lists them: newest first, each with its
time as people read it (:attr:`layers.models.Incident.occurred_label`, a moment or a span such as
"12 mars 2026 22:00–06:00") and the name of its place (:mod:`layers.naming`).

Which incidents count is decided by the dashboard's filters (:func:`reports_sql`: period by
the start of the span, district, category, time of day), so the list agrees with the counts
beside it.
"""

from __future__ import annotations

from collections.abc import Iterable

from gis.core.dbrouter import read_cursor
from gis.dashboard.filters import Filters, reports_sql
from layers import naming
from layers.models import Incident

#: How many incidents the situation picture lists (its counts hold them all).
LISTED = 20


def latest(filters: Filters, limit: int = LISTED) -> list[Incident]:
    """The newest `limit` incidents that pass `filters`, each with a `place` (its name).

    Parameters
    ----------
    filters : Filters
        The situation picture's filters; an incident counts by its start (``occurred_at``).
    limit : int
        How many at the most.

    Returns
    -------
    list of Incident
        Newest start first; ``place`` is the name of the place at the incident's point
        (storage CRS), "" where no street is near.
    """
    rows_sql, params = reports_sql(filters)
    sql = (
        f"SELECT id FROM ({rows_sql}) r WHERE source = 'incident' "
        "ORDER BY at DESC, id DESC LIMIT %s"
    )
    with read_cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        ids = [row[0] for row in cursor.fetchall()]
    found = Incident.objects.in_bulk(ids)
    incidents = [found[pk] for pk in ids if pk in found]
    places = naming.names_at(filters.municipality_id, [(i.geom.x, i.geom.y) for i in incidents])
    for incident, place in zip(incidents, places, strict=True):
        incident.place = place
    return incidents


def span_ends(ids: Iterable[int]) -> dict[int, str]:
    """The end of each spanned incident's span among `ids`, ISO 8601 in UTC, by id.

    Incidents without an end (a moment) are left out.
    """
    ends = Incident.objects.filter(pk__in=list(ids), occurred_to__isnull=False)
    return {pk: end.isoformat() for pk, end in ends.values_list("pk", "occurred_to")}

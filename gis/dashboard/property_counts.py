"""Reports by municipal property for the situation picture: how many resident pins, incidents
and safety-walk findings of a period lie on or next to each property (within
``TRYGG_PROPERTY_ROUTING_M`` metres, the nearest property, as reports are routed), this period
against the previous one, the properties with most reports first."""

from __future__ import annotations

from dataclasses import dataclass

from gis.core.dbrouter import read_cursor
from gis.core.vocabulary import Department
from gis.dashboard.filters import Filters, reports_sql
from layers.models import Property
from layers.properties import routing_distance_m

TOP_PROPERTIES = 10


@dataclass
class PropertyRow:
    """One property of the situation picture and its report counts (this period unless said)."""

    id: int
    name: str
    kind: str
    department: str
    pins: int
    incidents: int
    findings: int
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous


def by_property(
    filters: Filters, previous: Filters, limit: int = TOP_PROPERTIES
) -> list[PropertyRow]:
    """The properties with reports in either period, most reports this period first (at most
    `limit`); the reports are those that pass `filters` (category, source, district …)."""
    both = filters.with_period(previous.start, filters.end)
    rows_sql, params = reports_sql(both)
    table = Property._meta.db_table
    sql = f"""
        SELECT pr.id,
               count(*) FILTER (WHERE r.at >= %s AND r.source = 'resident'),
               count(*) FILTER (WHERE r.at >= %s AND r.source = 'incident'),
               count(*) FILTER (WHERE r.at >= %s AND r.source = 'walk'),
               count(*) FILTER (WHERE r.at >= %s),
               count(*) FILTER (WHERE r.at < %s)
        FROM ({rows_sql}) r
        JOIN LATERAL (
            SELECT p.id FROM {table} p
            WHERE p.municipality_id = %s AND ST_DWithin(p.geom, r.geom, %s)
            ORDER BY ST_Distance(p.geom, r.geom), p.id LIMIT 1
        ) pr ON true
        GROUP BY pr.id
        ORDER BY 5 DESC, 6 DESC, pr.id
        LIMIT %s
    """
    start = filters.start
    with read_cursor() as cursor:
        cursor.execute(
            sql,
            [
                start,
                start,
                start,
                start,
                start,
                *params,
                filters.municipality_id,
                routing_distance_m(),
                limit,
            ],
        )
        counted = cursor.fetchall()
    places = Property.objects.in_bulk([row[0] for row in counted])
    return [
        PropertyRow(
            id=pk,
            name=str(places[pk]),
            kind=places[pk].get_kind_display(),
            department=str(Department(places[pk].department).label),
            pins=pins,
            incidents=incidents,
            findings=findings,
            current=current,
            previous=previous_count,
        )
        for pk, pins, incidents, findings, current, previous_count in counted
    ]

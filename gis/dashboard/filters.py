"""The dashboard's filters: one parser shared by the tiles, the counts, the heat map, the hot
spots and the situation picture, and the SQL that applies them to every report source.

Query parameters (all optional; a list is comma-separated or repeated):

========== ==================================================================================
from, to   period, ``YYYY-MM-DD`` (local days, both inclusive) or ISO 8601 date-times
category   category codes (incidents count under the category of their type)
severity   1..5; only walk findings carry a severity, so this keeps findings only
when       day, evening, night (incidents: by local hour, see :mod:`gis.core.timeofday`)
source     walk (safety-walk findings), resident (resident pins), incident
status     resident-pin statuses; only pins carry one, so this keeps pins only
district   id of a district; keeps reports whose geometry intersects it
partner    ids of EST partners, or ``none`` for the municipality's own reports (those of no
           partner); partners' reports are incidents and pins, so an id keeps those only
========== ==================================================================================

A parameter that does not parse raises :class:`FilterError` naming it; the views turn it into
HTTP 400 ``{"<parameter>": ["<message>"]}``. The SQL is parameterised throughout: user input
never becomes SQL text. Geometry stays in the storage CRS (``TRYGG_SRID``, metres).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from gis.core import timeofday
from gis.core.datebounds import out_of_bounds
from gis.core.idparse import is_ascii_id, parse_id
from gis.core.models import Municipality
from gis.core.partners import Partner
from gis.priority.params import PriorityParams
from layers.models import District, Incident
from walks.models import Category, ResidentPin, WalkFinding

SOURCES = ("walk", "resident", "incident")
TIMES = timeofday.NAMES
SEVERITIES = (1, 2, 3, 4, 5)
PIN_STATUSES = tuple(ResidentPin.Status.values)
#: The category an incident of each type counts under (the prioritisation's mapping).
INCIDENT_CATEGORY: dict[str, str] = dict(PriorityParams().incident_category)
PARAMETERS = (
    "from",
    "to",
    "category",
    "severity",
    "when",
    "source",
    "status",
    "district",
    "partner",
)
#: The `partner` value of the reports of no partner: the municipality's own.
NO_PARTNER = "none"


class FilterError(ValueError):
    """A filter parameter that does not parse; `param` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Filters:
    """Parsed filters of one request. `end` is exclusive; empty tuples mean "all"."""

    municipality_id: int
    start: datetime | None = None
    end: datetime | None = None
    categories: tuple[str, ...] = ()
    severities: tuple[int, ...] = ()
    times: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    district_id: int | None = None
    partners: tuple[str, ...] = ()  # partner ids as text, or NO_PARTNER

    def key(self) -> str:
        """A short stable digest of the filters, for cache keys."""
        text = repr(sorted((k, str(v)) for k, v in asdict(self).items()))
        return hashlib.sha1(text.encode()).hexdigest()[:20]

    def active_sources(self) -> tuple[str, ...]:
        """Sources that can match: severity keeps findings only, status keeps pins only."""
        sources = self.sources or SOURCES
        if self.severities:
            sources = tuple(s for s in sources if s == "walk")
        if self.statuses:
            sources = tuple(s for s in sources if s == "resident")
        if self.partners and NO_PARTNER not in self.partners:
            sources = tuple(s for s in sources if s != "walk")  # findings have no partner
        return sources

    def partner_sql(self, alias: str) -> tuple[str, list]:
        """SQL keeping the rows of `alias` whose partner the filter names; ("", []) for all."""
        if not self.partners:
            return "", []
        ids = [int(p) for p in self.partners if p != NO_PARTNER]
        return (
            f"({alias}.partner_id = ANY(%s) OR (%s AND {alias}.partner_id IS NULL))",
            [ids, NO_PARTNER in self.partners],
        )

    def with_period(self, start: datetime | None, end: datetime | None) -> Filters:
        """The same filters over another period."""
        return replace(self, start=start, end=end)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (dates as local ISO date-times)."""
        out: dict[str, str] = {}
        if self.start is not None:
            out["from"] = timezone.localtime(self.start).isoformat()
        if self.end is not None:
            out["to"] = timezone.localtime(self.end - timedelta(microseconds=1)).isoformat()
        for name, values in (
            ("category", self.categories),
            ("severity", self.severities),
            ("when", self.times),
            ("source", self.sources),
            ("status", self.statuses),
            ("partner", self.partners),
        ):
            if values:
                out[name] = ",".join(str(v) for v in values)
        if self.district_id is not None:
            out["district"] = str(self.district_id)
        return out

    def query_string(self, **extra: str) -> str:
        """URL-encoded :meth:`query` plus `extra` parameters."""
        return urlencode({**self.query(), **extra})


def _values(params: Mapping, name: str) -> list[str]:
    raw = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
    out = []
    for item in raw:
        if item is None:
            continue
        if "\x00" in str(item):  # PostgreSQL text cannot hold it: no code or name has one
            raise FilterError(name, "null characters are not allowed")
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def _choices(params: Mapping, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = _values(params, name)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise FilterError(name, f"unknown value {bad[0]!r}; expected one of {', '.join(allowed)}")
    return tuple(dict.fromkeys(values))


def _instant(params: Mapping, name: str, *, end: bool) -> datetime | None:
    values = _values(params, name)
    if not values:
        return None
    if len(values) > 1:
        raise FilterError(name, f"expected one date, got {len(values)}")
    text = values[0]
    try:
        # A bare date is a local day (parse_datetime would read it as midnight).
        day = parse_date(text) if len(text) == 10 else None
        moment = None if day else parse_datetime(text)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise FilterError(
            name, f"expected a date YYYY-MM-DD or an ISO 8601 date-time, got {text!r}"
        )
    try:
        if day is not None:
            # A day filter covers the whole local day: `to` is exclusive from the next midnight.
            day = day + timedelta(days=1) if end else day
            moment = datetime.combine(day, time.min)
        elif end:
            moment = moment + timedelta(microseconds=1)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # In UTC: PostgreSQL refuses offsets beyond ±15:59.
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise FilterError(name, f"{text!r} lies outside the years 1 to 9999") from None
    # Bounded, so that the previous period and other arithmetic stay representable.
    problem = out_of_bounds(moment)
    if problem is not None:
        raise FilterError(name, problem)
    return moment


def _integer(params: Mapping, name: str) -> int | None:
    values = _values(params, name)
    if not values:
        return None
    if len(values) > 1:
        raise FilterError(name, f"expected one id, got {len(values)}")
    try:
        return parse_id(values[0])
    except ValueError:
        raise FilterError(name, f"expected an integer id, got {values[0]!r}") from None


def municipality_among(params: Mapping, known: Sequence[Municipality]) -> Municipality:
    """:func:`municipality_from` over municipalities already read (by name), without a query."""
    codes = _values(params, "municipality")
    if codes:
        found = next((m for m in known if m.code == codes[0]), None)
        if found is None:
            raise FilterError("municipality", f"unknown municipality {codes[0]!r}")
        return found
    if not known:
        raise FilterError("municipality", "no municipality is loaded")
    return known[0]


def municipality_from(params: Mapping, among: QuerySet | None = None) -> Municipality:
    """The municipality named by the `municipality` parameter (its code), else the first one.

    `among` limits the choice (a user's municipalities, :func:`gis.core.tenancy.municipalities`):
    a code outside it is unknown.
    """
    codes = _values(params, "municipality")
    queryset = (Municipality.objects if among is None else among).only("id", "code", "name")
    if codes:
        found = queryset.filter(code=codes[0]).first()
        if found is None:
            raise FilterError("municipality", f"unknown municipality {codes[0]!r}")
        return found
    found = queryset.order_by("name").first()
    if found is None:
        raise FilterError("municipality", "no municipality is loaded")
    return found


def _partners(params: Mapping, municipality: Municipality) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(_values(params, "partner")))
    ids = [v for v in values if v != NO_PARTNER]
    bad = [v for v in ids if not is_ascii_id(v)]
    if bad:
        raise FilterError("partner", f"expected partner ids or {NO_PARTNER}, got {bad[0]!r}")
    if not ids:  # no partner named: nothing to look up (most requests, the tiles among them)
        return values
    known = {
        str(pk)
        for pk in Partner.objects.filter(
            municipality=municipality, pk__in=[int(v) for v in ids]
        ).values_list("pk", flat=True)
    }
    unknown = [v for v in ids if v not in known]
    if unknown:
        raise FilterError("partner", f"unknown partner {unknown[0]}")
    return values


def parse_filters(
    params: Mapping, *, municipality: Municipality | None = None, default_days: int | None = None
) -> Filters:
    """Parse the filter parameters of a request (a QueryDict or a plain mapping).

    Parameters
    ----------
    params : QueryDict or mapping
        The request's query parameters; unknown names are ignored.
    municipality : Municipality, optional
        The municipality; default from the `municipality` parameter (see
        :func:`municipality_from`).
    default_days : int, optional
        When given and `from` is absent, the period starts this many days before its end
        (`to`, default now).

    Returns
    -------
    Filters

    Raises
    ------
    FilterError
        Naming the first parameter that does not parse.
    """
    municipality = municipality or municipality_from(params)
    start = _instant(params, "from", end=False)
    end = _instant(params, "to", end=True)
    if default_days is not None:
        if end is None:
            end = timezone.now()
        if start is None:
            start = end - timedelta(days=default_days)
    if start is not None and end is not None and start >= end:
        raise FilterError("from", "must be before to")
    categories = tuple(dict.fromkeys(_values(params, "category")))
    if categories:
        known = set(Category.objects.values_list("code", flat=True))
        bad = [c for c in categories if c not in known]
        if bad:
            raise FilterError("category", f"unknown category {bad[0]!r}")
    severities = []
    for value in _values(params, "severity"):
        if not is_ascii_id(value) or int(value) not in SEVERITIES:
            raise FilterError("severity", f"expected integers 1 to 5, got {value!r}")
        severities.append(int(value))
    district = _integer(params, "district")
    if (
        district is not None
        and not District.objects.filter(pk=district, municipality=municipality).exists()
    ):
        raise FilterError("district", f"unknown district {district}")
    return Filters(
        municipality_id=municipality.pk,
        partners=_partners(params, municipality),
        start=start,
        end=end,
        categories=categories,
        severities=tuple(dict.fromkeys(severities)),
        times=_choices(params, "when", TIMES),
        sources=_choices(params, "source", SOURCES),
        statuses=_choices(params, "status", PIN_STATUSES),
        district_id=district,
    )


# --- SQL ----------------------------------------------------------------------------------

REPORT_COLUMNS = (
    "source",
    "id",
    "category",
    "severity",
    "tod",
    "status",
    "at",
    "votes",
    "geom",
    "partner",
)


def incident_tod_sql(column: str = "i.occurred_at") -> tuple[str, list]:
    """SQL of an incident's time of day: its local hour in ``settings.TIME_ZONE`` binned by
    :mod:`gis.core.timeofday` (day / evening / night); returns ``(sql, params)``."""
    return timeofday.period_case_sql(column, settings.TIME_ZONE)


def _incident_category_sql() -> tuple[str, list]:
    cases, params = [], []
    for incident_type, category in INCIDENT_CATEGORY.items():
        cases.append("WHEN %s THEN %s")
        params += [incident_type, category]
    return f"(CASE i.type {' '.join(cases)} ELSE 'other' END)", params


def _common(
    filters: Filters, alias: str, time_col: str, envelope: str | None, envelope_params: list
) -> tuple[list[str], list]:
    where, params = [f"{alias}.municipality_id = %s"], [filters.municipality_id]
    if filters.start is not None:
        where.append(f"{alias}.{time_col} >= %s")
        params.append(filters.start)
    if filters.end is not None:
        where.append(f"{alias}.{time_col} < %s")
        params.append(filters.end)
    if filters.district_id is not None:
        where.append(
            f"ST_Intersects({alias}.geom, (SELECT d.geom FROM {District._meta.db_table} d "
            "WHERE d.id = %s))"
        )
        params.append(filters.district_id)
    if envelope is not None:
        where.append(f"{alias}.geom && {envelope}")
        params.extend(envelope_params)
    return where, params


def reports_sql(
    filters: Filters, *, envelope: str | None = None, envelope_params: Sequence = ()
) -> tuple[str, list]:
    """SQL selecting every report that passes `filters`, one row per report.

    Parameters
    ----------
    filters : Filters
    envelope : str, optional
        An SQL expression of a geometry in the storage CRS (e.g. a CTE column); when given,
        only reports whose bounding box overlaps it are selected (index scan).
    envelope_params : sequence
        The parameters of `envelope` (it is repeated once per source).

    Returns
    -------
    sql, params
        Columns ``REPORT_COLUMNS``: source (walk / resident / incident), id, category code,
        severity (findings only), tod (day / evening / night), status (pins only), at (when
        reported, observed or occurred), votes, geom (storage CRS), partner (its id; null for
        the municipality's own and for findings).
    """
    parts, params = [], []
    category_table = Category._meta.db_table
    sources = filters.active_sources()
    if "resident" in sources:
        where, p = _common(filters, "p", "reported_at", envelope, list(envelope_params))
        if filters.categories:
            where.append("c.code = ANY(%s)")
            p.append(list(filters.categories))
        if filters.times:
            where.append('p."when" = ANY(%s)')
            p.append(list(filters.times))
        if filters.statuses:
            where.append("p.status = ANY(%s)")
            p.append(list(filters.statuses))
        partner_where, partner_params = filters.partner_sql("p")
        if partner_where:
            where.append(partner_where)
            p += partner_params
        parts.append(
            "SELECT 'resident'::text AS source, p.id, c.code::text AS category, "
            'NULL::int AS severity, p."when"::text AS tod, p.status::text AS status, '
            "p.reported_at AS at, p.vote_count AS votes, p.geom, p.partner_id::bigint AS partner "
            f"FROM {ResidentPin._meta.db_table} p JOIN {category_table} c ON c.id = p.category_id "
            f"WHERE {' AND '.join(where)}"
        )
        params += p
    if "walk" in sources:
        where, p = _common(filters, "f", "observed_at", envelope, list(envelope_params))
        if filters.categories:
            where.append("c.code = ANY(%s)")
            p.append(list(filters.categories))
        if filters.times:
            where.append('f."when" = ANY(%s)')
            p.append(list(filters.times))
        if filters.severities:
            where.append("f.severity = ANY(%s)")
            p.append(list(filters.severities))
        parts.append(
            "SELECT 'walk'::text AS source, f.id, c.code::text AS category, "
            'f.severity::int AS severity, f."when"::text AS tod, NULL::text AS status, '
            "f.observed_at AS at, 0 AS votes, f.geom, NULL::bigint AS partner "
            f"FROM {WalkFinding._meta.db_table} f JOIN {category_table} c "
            f"ON c.id = f.category_id WHERE {' AND '.join(where)}"
        )
        params += p
    if "incident" in sources:
        tod_sql, tod_params = incident_tod_sql()
        cat_sql, cat_params = _incident_category_sql()
        where, p = _common(filters, "i", "occurred_at", envelope, list(envelope_params))
        if filters.categories:
            types = [t for t, c in INCIDENT_CATEGORY.items() if c in filters.categories]
            where.append("i.type = ANY(%s)")
            p.append(types)
        if filters.times:
            where.append(f"({tod_sql}) = ANY(%s)")
            p += [*tod_params, list(filters.times)]
        partner_where, partner_params = filters.partner_sql("i")
        if partner_where:
            where.append(partner_where)
            p += partner_params
        parts.append(
            f"SELECT 'incident'::text AS source, i.id, {cat_sql}::text AS category, "
            f"NULL::int AS severity, ({tod_sql})::text AS tod, NULL::text AS status, "
            f"i.occurred_at AS at, 0 AS votes, i.geom, i.partner_id::bigint AS partner "
            f"FROM {Incident._meta.db_table} i "
            f"WHERE {' AND '.join(where)}"
        )
        params += [*cat_params, *tod_params, *p]
    if not parts:
        # No source can match (e.g. a severity and a status filter together): no rows.
        empty = (
            "SELECT NULL::text AS source, NULL::bigint AS id, NULL::text AS category, "
            "NULL::int AS severity, NULL::text AS tod, NULL::text AS status, "
            "NULL::timestamptz AS at, 0 AS votes, NULL::geometry AS geom, "
            "NULL::bigint AS partner WHERE false"
        )
        return empty, []
    return " UNION ALL ".join(parts), params

"""Which reports an analysis counts: filters over pins, walk findings and incidents.

Database side (reads through :mod:`gis.frames`). The result is one GeoDataFrame of points in
the storage CRS (TRYGG_SRID, metres) with a weight per report, ready for the pure engine in
:mod:`gis.analysis` and :mod:`gis.hotspots.compute`.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
from django.conf import settings

from gis import frames
from gis.core import timeofday
from gis.core.models import Municipality
from gis.core.vocabulary import WhenUnsafe
from gis.priority.params import DEFAULT_INCIDENT_CATEGORY
from walks.models import Category, ResidentPin

SOURCES = ("walk", "resident", "incident")
WHEN = tuple(WhenUnsafe.values)
#: Severity (1-5 scale of walk findings) given to resident pins and incidents, as in
#: gis.priority's defaults; a weighted report weighs severity / REFERENCE_SEVERITY.
PIN_SEVERITY = 3
INCIDENT_SEVERITY = 3
REFERENCE_SEVERITY = 3.0
#: Pins with these statuses are not counted (they duplicate another pin).
EXCLUDED_PIN_STATUSES = (ResidentPin.Status.CLOSED_DUPLICATE,)
REPORT_COLUMNS = [
    "source",
    "source_id",
    "category",
    "when",
    "severity",
    "created_at",
    "weight",
    "geometry",
]


@dataclass(frozen=True)
class ReportSelection:
    """Filters of an analysis; empty tuples mean "all".

    Attributes
    ----------
    categories : tuple of str
        Category codes (walks.Category.code); incidents map to categories by type.
    when : tuple of str
        "day", "evening", "night".
    sources : tuple of str
        "walk" (safety-walk findings), "resident" (pins), "incident".
    district : int or None
        Id of a district of the municipality; reports inside its polygon only.
    weighted : bool
        Weight each report by severity / 3 (pins and incidents count as severity 3);
        otherwise every report weighs 1.
    """

    categories: tuple[str, ...] = field(default_factory=tuple)
    when: tuple[str, ...] = field(default_factory=tuple)
    sources: tuple[str, ...] = field(default_factory=tuple)
    district: int | None = None
    weighted: bool = False

    def __post_init__(self) -> None:
        for name, allowed in (("when", WHEN), ("sources", SOURCES)):
            values = tuple(getattr(self, name))
            object.__setattr__(self, name, values)
            unknown = sorted(set(values) - set(allowed))
            if unknown:
                raise ValueError(f"{name} must be among {', '.join(allowed)}, got {unknown}")
        object.__setattr__(self, "categories", tuple(self.categories))
        if self.district is not None and (
            isinstance(self.district, bool) or not isinstance(self.district, int)
        ):
            raise ValueError(f"district must be a district id, got {self.district!r}")

    def as_params(self) -> dict:
        """The filters as a JSON-able dict (stored with each run)."""
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}

    def describe(self) -> str:
        """One line saying what is selected, for error messages and logs."""
        parts = [
            f"{name}={','.join(values)}"
            for name, values in (
                ("categories", self.categories),
                ("when", self.when),
                ("sources", self.sources),
            )
            if values
        ]
        if self.district is not None:
            parts.append(f"district={self.district}")
        return " ".join(parts) or "all reports"


def _check_categories(codes: tuple[str, ...]) -> None:
    if not codes:
        return
    known = set(Category.objects.values_list("code", flat=True))
    unknown = sorted(set(codes) - known)
    if unknown:
        raise ValueError(f"categories must be among {', '.join(sorted(known))}, got {unknown}")


def _district_polygon(municipality: Municipality, district: int | None):
    if district is None:
        return None
    found = frames.districts(municipality)
    found = found[found["id"] == district]
    if found.empty:
        raise ValueError(f"district must be the id of a district of {municipality}, got {district}")
    return found.geometry.iloc[0]


def incident_when(occurred_at: pd.Series, tz: str | None = None) -> np.ndarray:
    """Day / evening / night of incidents from their local clock hour.

    Incidents carry no "when": the hour of the instant on the local clock decides, binned by
    :mod:`gis.core.timeofday` (the same hours as the dashboard and the prioritisation).

    Parameters
    ----------
    occurred_at : pandas.Series
        Timezone-aware instants.
    tz : str, optional
        IANA zone in which the hour is read; default settings.TIME_ZONE.

    Returns
    -------
    numpy.ndarray
        Object array of "day", "evening" or "night".
    """
    return timeofday.periods_of(occurred_at, tz or settings.TIME_ZONE)


def _unified(frame: gpd.GeoDataFrame, source: str, **columns) -> gpd.GeoDataFrame:
    data = {"source": source, "source_id": frame["id"].to_numpy(), **columns}
    return gpd.GeoDataFrame(
        pd.DataFrame(data, index=frame.index), geometry=frame.geometry.values, crs=frame.crs
    )


def select_reports(
    municipality: Municipality,
    selection: ReportSelection | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> gpd.GeoDataFrame:
    """The reports a selection counts, as weighted points (storage CRS, metres).

    Walk findings drawn as lines or areas count once, at a point on the line / inside the
    area (``representative_point``). Duplicate pins are left out.

    Parameters
    ----------
    municipality : gis.core.models.Municipality
    selection : ReportSelection, optional
        Filters; default all reports, unweighted.
    since, until : datetime, optional
        Half-open period [since, until) of the report time (aware datetimes).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns source ("walk"/"resident"/"incident"), source_id, category, when,
        severity, created_at (UTC), weight, point geometry; ordered by source and id. May be
        empty: the analysis functions refuse an empty selection.
    """
    sel = selection or ReportSelection()
    if since is not None and until is not None and since >= until:
        raise ValueError(f"since must be before until, got {since} >= {until}")
    _check_categories(sel.categories)
    polygon = _district_polygon(municipality, sel.district)
    sources = sel.sources or SOURCES
    period = {"since": since, "until": until}
    filters = {"categories": sel.categories or None, "when": sel.when or None}
    parts = []
    if "resident" in sources:
        pins = frames.pins(municipality, **period, **filters)
        pins = pins[~pins["status"].isin(EXCLUDED_PIN_STATUSES)]
        parts.append(
            _unified(
                pins,
                "resident",
                category=pins["category"],
                when=pins["when"],
                severity=PIN_SEVERITY,
                created_at=pins["created_at"],
            )
        )
    if "walk" in sources:
        found = frames.findings(municipality, **period, **filters)
        found = found.set_geometry(found.geometry.representative_point())
        parts.append(
            _unified(
                found,
                "walk",
                category=found["category"],
                when=found["when"],
                severity=found["severity"],
                created_at=found["created_at"],
            )
        )
    if "incident" in sources:
        incidents = frames.incidents(municipality, **period)
        category = incidents["type"].map(DEFAULT_INCIDENT_CATEGORY).fillna("other")
        when = incident_when(incidents["occurred_at"])
        keep = np.ones(len(incidents), bool)
        if sel.categories:
            keep &= category.isin(sel.categories).to_numpy()
        if sel.when:
            keep &= np.isin(when, sel.when)
        incidents = incidents[keep]
        parts.append(
            _unified(
                incidents,
                "incident",
                category=category[keep],
                when=when[keep],
                severity=INCIDENT_SEVERITY,
                created_at=incidents["occurred_at"],
            )
        )
    crs = settings.TRYGG_SRID
    non_empty = [p for p in parts if len(p)]
    if non_empty:
        reports = gpd.GeoDataFrame(pd.concat(non_empty, ignore_index=True), crs=crs)
    else:
        reports = gpd.GeoDataFrame(
            {c: [] for c in REPORT_COLUMNS[:-1]}, geometry=gpd.GeoSeries([], crs=crs), crs=crs
        )
    if polygon is not None:
        reports = reports[reports.intersects(polygon)]
    reports = reports.astype({"severity": np.int64, "source_id": np.int64})
    reports["created_at"] = pd.to_datetime(reports["created_at"], utc=True)
    severity = reports["severity"].to_numpy(dtype=np.float64)
    reports["weight"] = severity / REFERENCE_SEVERITY if sel.weighted else np.ones_like(severity)
    reports = reports.sort_values(["source", "source_id"], kind="stable").reset_index(drop=True)
    return reports[REPORT_COLUMNS]


def data_version(reports: gpd.GeoDataFrame) -> str:
    """A short fingerprint of a selection: report count and a hash of what is counted.

    Two runs with the same data version counted the same reports with the same categories,
    times of day, weights and places.

    Parameters
    ----------
    reports : geopandas.GeoDataFrame
        Output of :func:`select_reports`.

    Returns
    -------
    str
        ``"<n>-<16 hex digits>"``.
    """
    digest = hashlib.sha256()
    for column in ("source", "source_id", "category", "when", "weight"):
        digest.update(reports[column].astype(str).str.cat(sep="|").encode())
    digest.update(np.round(reports.get_coordinates().to_numpy(), 2).tobytes())
    return f"{len(reports)}-{digest.hexdigest()[:16]}"

"""Demand: how strongly, how recently and when people report trouble on each place.

Reports are resident pins, safety-walk findings and incidents, unified into *items*. One item's
weight is::

    weight = (severity / pin_severity)            # pins: pin_severity, incidents: incident_severity
           * (1 + vote_weight * log2(1 + votes))  # supporting votes (pins; 0 otherwise)
           * source_weight[origin]                # resident / safety_walk / incident source
           * 0.5 ** (age_days / half_life_days)   # recency relative to as_of

so a fresh pin without votes weighs 1. Findings and pins carry ``when``; ``evening`` and
``night`` form the ``night`` period. An incident is ``day`` when its local clock hour in
``params.timezone`` is day by :mod:`gis.core.timeofday` (the one definition of day, evening and
night). Items dated after ``as_of``, without a date, or pins with an excluded status are not
counted; they are returned with a reason.
Each item's demand on a place is ``weight * share`` (the snapping share).
"""

from __future__ import annotations

import datetime as dt

from gis.core import timeofday
from gis.core.lazy import lazy_module
from gis.priority._schema import CATEGORIES
from gis.priority.params import PriorityParams, check_positive

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")

ITEM_COLUMNS = (
    "item_key",
    "source",
    "source_id",
    "category",
    "period",
    "origin",
    "severity",
    "votes",
    "created_at",
)


def decay_weight(age_days: np.ndarray | float, half_life_days: float) -> np.ndarray:
    """Exponential recency weight ``0.5 ** (age_days / half_life_days)``.

    Parameters
    ----------
    age_days : array-like
        Ages in days (negative ages are treated as 0).
    half_life_days : float
        Half-life in days (> 0).

    Returns
    -------
    ndarray
        Weights in (0, 1].
    """
    check_positive("half_life_days", half_life_days)
    age = np.maximum(np.asarray(age_days, dtype=float), 0.0)
    return np.power(0.5, age / half_life_days)


def check_as_of(as_of: object) -> pd.Timestamp:
    """Return ``as_of`` as a tz-aware Timestamp or raise ValueError."""
    if not isinstance(as_of, dt.datetime | pd.Timestamp):
        raise ValueError(f"as_of must be a timezone-aware datetime, got {as_of!r}")
    ts = pd.Timestamp(as_of)
    if ts.tzinfo is None:
        raise ValueError(f"as_of must be timezone-aware, got {as_of!r}")
    return ts


def report_items(
    pins: gpd.GeoDataFrame,
    findings: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    as_of: dt.datetime,
    params: PriorityParams,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Unify pins, findings and incidents into weighted items.

    Parameters
    ----------
    pins, findings, incidents : GeoDataFrame
        Validated input frames (see ``gis.priority._schema``), metric CRS.
    as_of : datetime
        Tz-aware reference date for recency.
    params : PriorityParams
        Weights and settings.

    Returns
    -------
    items : GeoDataFrame
        ``ITEM_COLUMNS`` plus ``weight`` and geometry; ``item_key`` is ``"<source>:<id>"``.
    excluded : GeoDataFrame
        source, source_id, reason (``excluded_status``, ``missing_date``, ``after_as_of``),
        geometry.
    """
    as_of = check_as_of(as_of)
    crs = pins.crs or findings.crs or incidents.crs
    severity = pd.to_numeric(findings["severity"].astype(object), errors="coerce")
    if len(findings) and not severity.between(1, 5).all():
        raise ValueError("findings.severity must be a number in 1..5 for every finding")
    frames = [
        _unify(
            pins,
            "pin",
            _when_period(pins["when"]),
            pins["category"],
            "resident",
            np.full(len(pins), params.pin_severity),
            _votes(pins["votes"]),
            pins["created_at"],
        ),
        _unify(
            findings,
            "finding",
            _when_period(findings["when"]),
            findings["category"],
            "safety_walk",
            severity.to_numpy(dtype=float),
            0,
            findings["created_at"],
        ),
        _unify(
            incidents,
            "incident",
            _incident_period(incidents["occurred_at"], params),
            incidents["type"].map(params.incident_category),
            incidents["source"],
            np.full(len(incidents), params.incident_severity),
            0,
            incidents["occurred_at"],
        ),
    ]
    items = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
    reason = np.full(len(items), "", dtype=object)
    status = pd.concat([pins["status"], pd.Series([None] * (len(items) - len(pins)))])
    reason[np.isin(status.astype(object).to_numpy(), list(params.excluded_pin_statuses))] = (
        "excluded_status"
    )
    created = items["created_at"]
    reason[(reason == "") & created.isna().to_numpy()] = "missing_date"
    later = (created > as_of).fillna(False).to_numpy(dtype=bool)
    reason[(reason == "") & later] = "after_as_of"
    drop = reason != ""
    excluded = gpd.GeoDataFrame(
        {
            "source": items["source"].to_numpy()[drop],
            "source_id": items["source_id"].to_numpy()[drop],
            "reason": reason[drop],
        },
        geometry=gpd.GeoSeries(items.geometry.values[drop], crs=crs),
        crs=crs,
    )
    items = items.loc[~drop].reset_index(drop=True)
    age = (as_of - items["created_at"]).dt.total_seconds().to_numpy(dtype=float) / 86400.0
    votes = items["votes"].to_numpy(dtype=float)
    weight = (
        items["severity"].to_numpy(dtype=float)
        / params.pin_severity
        * (1.0 + params.vote_weight * np.log2(1.0 + votes))
        * items["origin"].map(params.source_weights).to_numpy(dtype=float)
        * decay_weight(age, params.half_life_days)
    )
    items["weight"] = weight
    return items, excluded


def place_links(items: gpd.GeoDataFrame, assignment: pd.DataFrame) -> pd.DataFrame:
    """Join items with their primary place shares: one row per (item, place).

    Parameters
    ----------
    items : GeoDataFrame
        Output of :func:`report_items`.
    assignment : DataFrame
        ``snap_features(...).assignment`` with ``feature_id == item_key``.

    Returns
    -------
    DataFrame
        place_kind, place_id, item_key, source, source_id, category, period, origin, share,
        demand (``weight * share``).
    """
    primary = assignment.loc[
        assignment["role"] == "primary", ["feature_id", "place_kind", "place_id", "share"]
    ]
    attrs = pd.DataFrame(items.drop(columns="geometry"))
    attrs["item_key"] = attrs["item_key"].astype(object)
    primary = primary.astype({"feature_id": object})
    links = primary.merge(attrs, left_on="feature_id", right_on="item_key", how="inner")
    links["demand"] = links["weight"] * links["share"]
    cols = [
        "place_kind",
        "place_id",
        "item_key",
        "source",
        "source_id",
        "category",
        "period",
        "origin",
        "share",
        "demand",
    ]
    return links[cols].reset_index(drop=True)


def demand_summary(
    links: pd.DataFrame, place_ids: pd.Series | np.ndarray, place_kind: str
) -> pd.DataFrame:
    """Per-place demand totals for places of one kind.

    Parameters
    ----------
    links : DataFrame
        Output of :func:`place_links`.
    place_ids : array-like
        Ids of the places, in output order.
    place_kind : {'segment', 'green_area'}
        Which places.

    Returns
    -------
    DataFrame
        Index = place ids; demand_day, demand_night, demand_total, reports (sum of shares),
        night_reports, and ``demand_<category>`` for each category code.
    """
    if place_kind not in ("segment", "green_area"):
        raise ValueError(f"place_kind must be 'segment' or 'green_area', got {place_kind!r}")
    ids = pd.Index(np.asarray(place_ids, dtype=object), name="place_id")
    sel = links[links["place_kind"] == place_kind]
    night = sel["period"] == "night"
    out = pd.DataFrame(index=ids)
    for name, values in (
        ("demand_day", sel["demand"].where(~night, 0.0)),
        ("demand_night", sel["demand"].where(night, 0.0)),
        ("demand_total", sel["demand"]),
        ("reports", sel["share"]),
        ("night_reports", sel["share"].where(night, 0.0)),
    ):
        out[name] = _sum_by(values, sel["place_id"], ids)
    for cat in CATEGORIES:
        out[f"demand_{cat}"] = _sum_by(
            sel["demand"].where(sel["category"] == cat, 0.0), sel["place_id"], ids
        )
    return out


def _sum_by(values: pd.Series, keys: pd.Series, ids: pd.Index) -> np.ndarray:
    if len(values) == 0:
        return np.zeros(len(ids))
    sums = values.groupby(keys.to_numpy(dtype=object)).sum()
    return sums.reindex(ids, fill_value=0.0).to_numpy(dtype=float)


def _unify(frame, source, period, category, origin, severity, votes, created) -> pd.DataFrame:
    n = len(frame)
    created = as_utc(created, f"{source}s date")
    return pd.DataFrame(
        {
            "item_key": np.array([f"{source}:{i}" for i in frame["id"]], dtype=object),
            "source": np.full(n, source, dtype=object),
            "source_id": frame["id"].to_numpy(dtype=object),
            "category": np.asarray(category, dtype=object),
            "period": np.asarray(period, dtype=object),
            "origin": np.asarray(np.broadcast_to(np.asarray(origin, dtype=object), n)),
            "severity": np.asarray(np.broadcast_to(np.asarray(severity, dtype=float), n)),
            "votes": np.broadcast_to(np.asarray(votes, dtype=float), n).copy(),
            "created_at": created,
            "geometry": np.asarray(frame.geometry.values, dtype=object),
        }
    )


def _votes(values: pd.Series) -> np.ndarray:
    votes = pd.to_numeric(values.astype(object), errors="coerce").fillna(0).to_numpy(dtype=float)
    if (votes < 0).any():
        raise ValueError("pins.votes must be >= 0")
    return votes


def as_utc(values: pd.Series, name: str) -> pd.Series:
    """Tz-aware datetimes converted to UTC; ValueError naming ``name`` for naive values."""
    if len(values) == 0:
        return pd.Series(pd.DatetimeIndex([], tz="UTC"))
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(values) and getattr(values.dt, "tz", None) is None:
        raise ValueError(f"{name} must be timezone-aware")
    try:
        out = pd.to_datetime(values, utc=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be timezone-aware datetimes ({exc})") from None
    naive = [v for v in values.dropna() if getattr(v, "tzinfo", 1) is None]
    if naive:
        raise ValueError(f"{name} must be timezone-aware")
    return out.reset_index(drop=True)


def _when_period(when: pd.Series) -> np.ndarray:
    return np.where(when.astype(object).to_numpy() == "day", "day", "night").astype(object)


def _incident_period(occurred: pd.Series, params: PriorityParams) -> np.ndarray:
    if len(occurred) == 0:
        return np.zeros(0, dtype=object)
    periods = timeofday.periods_of(as_utc(occurred, "incidents.occurred_at"), params.timezone)
    return np.where(periods == timeofday.DAY, "day", "night").astype(object)

"""Follow-up of a fix: the same place before and after a date, over matching periods.

Pure function over the input frames (metric CRS, metres). The two windows have equal length:
``[date - L, date)`` and ``[date, date + L)`` with ``L = window_days``, shortened to
``as_of - date`` when the after-period is not complete yet, so the comparison is like for like.
Reports are counted with their snapping shares (``gis.priority.snapping``); pins with an
excluded status are left out, as in the prioritisation.
"""

from __future__ import annotations

import datetime as dt

from gis.core.lazy import lazy_module
from gis.priority._schema import check_metric_crs, prepare_frame
from gis.priority.demand import as_utc, check_as_of, place_links, report_items
from gis.priority.params import PriorityParams, check_positive
from gis.priority.snapping import nearest_segment, snap_features

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

DAYS_PER_MONTH = 365.25 / 12
METRICS = ("reports_per_month", "night_reports_per_month", "mean_lux", "mean_audit_score")


def before_after(
    place_id: object,
    date: dt.datetime,
    *,
    segments: gpd.GeoDataFrame,
    place_kind: str = "segment",
    green_areas: gpd.GeoDataFrame | None = None,
    pins: gpd.GeoDataFrame | None = None,
    findings: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    lux: gpd.GeoDataFrame | None = None,
    audits: pd.DataFrame | None = None,
    window_days: float = 180.0,
    as_of: dt.datetime | None = None,
    params: PriorityParams | None = None,
) -> pd.DataFrame:
    """Compare a place before and after ``date`` (e.g. when lamps were repaired).

    Parameters
    ----------
    place_id : object
        Segment or green-area id.
    date : datetime
        Tz-aware date of the intervention.
    segments : GeoDataFrame
        Walking network, projected metric CRS.
    place_kind : {'segment', 'green_area'}
        Kind of the place.
    green_areas, pins, findings, incidents, lux : GeoDataFrame, optional
        Inputs in the same CRS.
    audits : DataFrame, optional
        ``place_id``, ``audited_at`` (tz-aware), ``score`` (and optionally ``place_kind``).
    window_days : float
        Length of each period in days (> 0).
    as_of : datetime, optional
        Tz-aware end of the data; shortens both windows when ``date + window_days`` is later.
    params : PriorityParams, optional
        Snapping tolerances and excluded pin statuses.

    Returns
    -------
    DataFrame
        Index ``METRICS``; columns before, after, change (after - before), n_before, n_after.
        ``attrs``: before and after windows (start, end) and window_days.
    """
    params = PriorityParams() if params is None else params
    check_positive("window_days", window_days)
    date = check_as_of(date)
    if place_kind not in ("segment", "green_area"):
        raise ValueError(f"place_kind must be 'segment' or 'green_area', got {place_kind!r}")
    length = pd.Timedelta(days=window_days)
    if as_of is not None:
        as_of = check_as_of(as_of)
        if as_of <= date:
            raise ValueError(f"as_of must be after date ({date}), got {as_of}")
        length = min(length, as_of - date)
    check_metric_crs(segments.crs, "segments")
    crs = segments.crs
    seg = prepare_frame(segments, "segments", crs)
    ga = prepare_frame(green_areas, "green_areas", crs)
    places = seg if place_kind == "segment" else ga
    if place_id not in set(places["id"].tolist()):
        raise ValueError(f"place_id {place_id!r} is not a {place_kind} id")
    start, end = date - length, date + length
    frames = {
        k: prepare_frame(v, k, crs)
        for k, v in (("pins", pins), ("findings", findings), ("incidents", incidents), ("lux", lux))
    }
    items, _ = report_items(
        frames["pins"], frames["findings"], frames["incidents"], as_of=end, params=params
    )
    feats = gpd.GeoDataFrame(
        {"id": items["item_key"].to_numpy(dtype=object)}, geometry=items.geometry.values, crs=crs
    )
    links = place_links(
        items, snap_features(feats, seg, ga, tolerance_m=params.snap_tolerance_m).assignment
    )
    mine = links[(links["place_kind"] == place_kind) & (links["place_id"] == place_id)]
    created = items.set_index("item_key")["created_at"].reindex(mine["item_key"]).to_numpy()
    created = pd.to_datetime(pd.Series(created), utc=True)
    months = (length / pd.Timedelta(days=1)) / DAYS_PER_MONTH
    rows = {}
    for metric, night_only in (("reports_per_month", False), ("night_reports_per_month", True)):
        share = mine["share"].to_numpy(dtype=float)
        if night_only:
            share = share * (mine["period"] == "night").to_numpy()
        rows[metric] = _windowed_sum(created, share, start, date, end, months)
    rows["mean_lux"] = _windowed_mean(
        *_place_lux(frames["lux"], seg, ga, place_kind, place_id, params), start, date, end
    )
    rows["mean_audit_score"] = _windowed_mean(
        *_place_audits(audits, place_kind, place_id), start, date, end
    )
    out = pd.DataFrame.from_dict(
        rows, orient="index", columns=["before", "after", "n_before", "n_after"]
    )
    out.insert(2, "change", out["after"] - out["before"])
    out.attrs.update(
        before=(start, date), after=(date, end), window_days=length / pd.Timedelta(days=1)
    )
    return out.loc[list(METRICS)]


def _windowed_sum(when, values, start, mid, end, months):
    before = ((when >= start) & (when < mid)).to_numpy(dtype=bool)
    after = ((when >= mid) & (when < end)).to_numpy(dtype=bool)
    return (
        values[before].sum() / months,
        values[after].sum() / months,
        int(before.sum()),
        int(after.sum()),
    )


def _windowed_mean(when, values, start, mid, end):
    before = ((when >= start) & (when < mid)).to_numpy(dtype=bool)
    after = ((when >= mid) & (when < end)).to_numpy(dtype=bool)
    b = float(values[before].mean()) if before.any() else np.nan
    a = float(values[after].mean()) if after.any() else np.nan
    return b, a, int(before.sum()), int(after.sum())


def _place_lux(lux, seg, ga, place_kind, place_id, params):
    if place_kind == "segment":
        near = nearest_segment(lux.geometry, seg, max_distance_m=params.lux_tolerance_m)
        rows = near.loc[near["segment_id"] == place_id, "row"].unique()
    else:
        poly = ga.geometry.values[np.flatnonzero(ga["id"].to_numpy() == place_id)[0]]
        rows = np.flatnonzero(shapely.intersects(lux.geometry.values, poly)) if len(lux) else []
    sel = lux.iloc[np.asarray(rows, dtype=int)]
    when = as_utc(pd.Series(sel["measured_at"].to_numpy()), "lux.measured_at")
    return when, sel["lux"].to_numpy(dtype=float)


def _place_audits(audits, place_kind, place_id):
    if audits is None or len(audits) == 0:
        return as_utc(pd.Series([], dtype=object), "audits.audited_at"), np.zeros(0)
    missing = [c for c in ("place_id", "audited_at", "score") if c not in audits.columns]
    if missing:
        raise ValueError(f"audits is missing columns {missing}")
    sel = audits[audits["place_id"] == place_id]
    if "place_kind" in audits.columns:
        sel = sel[sel["place_kind"] == place_kind]
    when = as_utc(pd.Series(sel["audited_at"].to_numpy()), "audits.audited_at")
    return when, sel["score"].to_numpy(dtype=float)

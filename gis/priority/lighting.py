"""Lighting adequacy of each segment against EN 13201-2 P classes, lamp gaps and OSM ``lit``.

Metric CRS, metres, lux. Each segment gets a class from its OSM ``highway`` value (mapping in
``PriorityParams.highway_class``) with the maintained average / minimum illuminance of
``EN13201_P``. Lux readings snap to the nearest segment within ``lux_tolerance_m``.

Verdict (first matching rule):

* with readings: ``dark`` when their mean is below the class minimum; ``under_lit`` when the
  mean is below the class average or any reading below the class minimum; else ``ok``.
* without readings: ``dark`` when OSM says ``lit=no`` or a lamp inventory exists but no working
  lamp lies within ``lamp_buffer_m``; ``under_lit`` when the largest gap between working lamps
  (ends included) exceeds ``max_lamp_gap_m``, a broken lamp is on the segment, or
  ``lit=limited``; ``ok`` when ``lit`` is yes/24/7 or working lamps are spaced within the limit;
  else ``unknown``.

Lamps with status ``unknown`` are assumed to work (a field check should confirm); broken lamps
belong to their nearest segment only, so one lamp yields one repair. Reason codes:
``mean_below_minimum``, ``mean_below_average``, ``reading_below_minimum``, ``readings_meet_class``,
``lamp_gap``, ``broken_lamps``, ``no_working_lamps``, ``lamps_spaced``, ``osm_lit_no``,
``osm_lit_limited``, ``osm_lit_yes``, ``no_data``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from gis.core.lazy import lazy_module
from gis.priority.footfall import segment_lengths
from gis.priority.params import EN13201_CLASSES, PriorityParams, check_positive
from gis.priority.snapping import nearest_segment

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

EN13201_P: dict[str, tuple[float, float]] = {
    "P1": (15.0, 3.0),
    "P2": (10.0, 2.0),
    "P3": (7.5, 1.5),
    "P4": (5.0, 1.0),
    "P5": (3.0, 0.6),
    "P6": (2.0, 0.4),
}
VERDICTS = ("ok", "under_lit", "dark", "unknown")


class LightingEvidence(NamedTuple):
    """``frame``: per-segment lighting columns (aligned with segments); ``unassigned``: lux
    readings beyond tolerance (feature_id, reason, geometry)."""

    frame: pd.DataFrame
    unassigned: gpd.GeoDataFrame


def lighting_class(
    highway: pd.Series, mapping: Mapping[str, str] | None = None, default: str = "P4"
) -> pd.Series:
    """EN 13201 P class per OSM highway value.

    Parameters
    ----------
    highway : Series
        OSM ``highway`` values.
    mapping : mapping, optional
        highway -> class; defaults to ``PriorityParams().highway_class``.
    default : str
        Class of values not in the mapping (and of missing values).

    Returns
    -------
    Series
        Class codes ``P1``..``P6``, same index.
    """
    if default not in EN13201_CLASSES:
        raise ValueError(f"default must be one of {EN13201_CLASSES}, got {default!r}")
    mapping = PriorityParams().highway_class if mapping is None else mapping
    return highway.astype(object).map(dict(mapping)).fillna(default).astype(object)


def lamp_positions(
    segments: gpd.GeoDataFrame, lamps: gpd.GeoDataFrame, *, buffer_m: float
) -> pd.DataFrame:
    """Lamps within ``buffer_m`` metres of each segment, projected onto it.

    Returns
    -------
    DataFrame
        seg_row, lamp_row, position_m (along the segment), distance_m.
    """
    check_positive("buffer_m", buffer_m)
    if len(segments) == 0 or len(lamps) == 0:
        return pd.DataFrame(
            {c: np.zeros(0, int) for c in ("seg_row", "lamp_row")}
            | {"position_m": np.zeros(0), "distance_m": np.zeros(0)}
        )
    seg = segments.geometry.values
    lamp = lamps.geometry.values
    si, li = shapely.STRtree(lamp).query(seg, predicate="dwithin", distance=buffer_m)
    return pd.DataFrame(
        {
            "seg_row": si,
            "lamp_row": li,
            "position_m": shapely.line_locate_point(seg[si], lamp[li]),
            "distance_m": shapely.distance(seg[si], lamp[li]),
        }
    )


def largest_gaps(lengths: np.ndarray, seg_rows: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Largest gap (metres) between consecutive positions along each segment, ends included.

    Parameters
    ----------
    lengths : ndarray
        Segment lengths in metres.
    seg_rows, positions : ndarray
        Lamp positions (metres from the start) and the segment row each belongs to.

    Returns
    -------
    ndarray
        Per segment; the whole length when it has no lamp.
    """
    n = len(lengths)
    rows = np.concatenate([seg_rows, np.arange(n), np.arange(n)])
    pos = np.concatenate([np.clip(positions, 0, lengths[seg_rows]), np.zeros(n), lengths])
    order = np.lexsort((pos, rows))
    rows, pos = rows[order], pos[order]
    gaps = np.diff(pos)
    same = rows[1:] == rows[:-1]
    out = np.zeros(n)
    np.maximum.at(out, rows[1:][same], gaps[same])
    return out


def lamp_gaps(
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame,
    *,
    buffer_m: float = 20.0,
    statuses: tuple[str, ...] = ("working", "unknown"),
) -> pd.Series:
    """Largest gap between lamps of ``statuses`` along each segment, ends included (metres).

    Parameters
    ----------
    segments : GeoDataFrame
        Segments (metric CRS).
    lamps : GeoDataFrame
        Lamps with ``status``.
    buffer_m : float
        Lamps within this distance are projected onto the segment.
    statuses : tuple of str
        Lamp statuses counted.

    Returns
    -------
    Series
        Aligned with ``segments``.
    """
    sel = lamps[lamps["status"].isin(list(statuses))].reset_index(drop=True)
    pos = lamp_positions(segments, sel, buffer_m=buffer_m)
    gaps = largest_gaps(
        segment_lengths(segments), pos["seg_row"].to_numpy(), pos["position_m"].to_numpy()
    )
    return pd.Series(gaps, index=segments.index, name="lamp_gap_m")


def lighting_evidence(
    segments: gpd.GeoDataFrame,
    lux: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame,
    *,
    params: PriorityParams | None = None,
) -> LightingEvidence:
    """Class, readings, lamps, gaps, verdict and reasons per segment (see module docstring).

    Parameters
    ----------
    segments, lux, lamps : GeoDataFrame
        Validated input frames in one metric CRS.
    params : PriorityParams, optional
        Settings (class mapping, tolerances, buffers, gap limit).

    Returns
    -------
    LightingEvidence
        ``frame`` columns: en13201_class, required_avg_lux, required_min_lux, lux_n, lux_mean,
        lux_min, lux_ids, lamps_working, lamps_broken, broken_lamp_ids, lamp_gap_m,
        lamp_gap_all_m, lighting_verdict, lighting_reasons.
    """
    params = params or PriorityParams()
    n = len(segments)
    cls = lighting_class(segments["highway"], params.highway_class, params.default_class)
    req = np.array([EN13201_P[c] for c in cls], dtype=float).reshape(n, 2)
    near = nearest_segment(lux.geometry, segments, max_distance_m=params.lux_tolerance_m)
    seg_pos = pd.Index(segments["id"].to_numpy(dtype=object)).get_indexer(
        near["segment_id"].to_numpy(dtype=object)
    )
    values = lux["lux"].to_numpy(dtype=float)[near["row"].to_numpy()]
    reading_ids = lux["id"].to_numpy(dtype=object)[near["row"].to_numpy()]
    lux_n = np.bincount(seg_pos, minlength=n).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        lux_mean = np.bincount(seg_pos, weights=values, minlength=n) / lux_n
    lux_min = np.full(n, np.inf)
    np.minimum.at(lux_min, seg_pos, values)
    lux_min[lux_n == 0] = np.nan
    left = np.setdiff1d(np.arange(len(lux)), near["row"].to_numpy())
    unassigned = gpd.GeoDataFrame(
        {
            "feature_id": lux["id"].to_numpy(dtype=object)[left],
            "reason": np.full(len(left), "beyond_tolerance", dtype=object),
        },
        geometry=gpd.GeoSeries(lux.geometry.values[left], crs=lux.crs),
        crs=lux.crs,
    )
    length = segment_lengths(segments)
    status = lamps["status"].astype(object).to_numpy()
    pos = lamp_positions(segments, lamps, buffer_m=params.lamp_buffer_m)
    lamp_status = status[pos["lamp_row"].to_numpy()]
    works = np.isin(lamp_status, ["working", "unknown"])
    gap = largest_gaps(
        length, pos["seg_row"].to_numpy()[works], pos["position_m"].to_numpy()[works]
    )
    lit_pos = np.isin(lamp_status, ["working", "unknown", "broken"])
    gap_all = largest_gaps(
        length, pos["seg_row"].to_numpy()[lit_pos], pos["position_m"].to_numpy()[lit_pos]
    )
    working = np.bincount(pos["seg_row"].to_numpy()[works], minlength=n)
    broken_rows = np.flatnonzero(status == "broken")
    near_broken = nearest_segment(
        lamps.geometry.iloc[broken_rows], segments, max_distance_m=params.lamp_buffer_m
    ).drop_duplicates("row")
    b_seg = pd.Index(segments["id"].to_numpy(dtype=object)).get_indexer(
        near_broken["segment_id"].to_numpy(dtype=object)
    )
    b_ids = lamps["id"].to_numpy(dtype=object)[broken_rows[near_broken["row"].to_numpy()]]
    broken = np.bincount(b_seg, minlength=n)
    inventory = len(lamps) > 0
    if not inventory:
        gap[:] = np.nan
        gap_all[:] = np.nan
    lit = segments["lit"].astype(object).to_numpy()
    verdict, reasons = lighting_verdict(
        lux_n=lux_n,
        lux_mean=lux_mean,
        lux_min=lux_min,
        required_avg=req[:, 0],
        required_min=req[:, 1],
        lit=lit,
        lamps_working=working,
        lamps_broken=broken,
        gap_m=gap,
        max_gap_m=params.max_lamp_gap_m,
        inventory=inventory,
    )
    frame = pd.DataFrame(
        {
            "en13201_class": cls.to_numpy(dtype=object),
            "required_avg_lux": req[:, 0],
            "required_min_lux": req[:, 1],
            "lux_n": lux_n,
            "lux_mean": lux_mean,
            "lux_min": lux_min,
            "lux_ids": _lists(seg_pos, reading_ids, n),
            "lamps_working": working,
            "lamps_broken": broken,
            "broken_lamp_ids": _lists(b_seg, b_ids, n),
            "lamp_gap_m": gap,
            "lamp_gap_all_m": gap_all,
            "lighting_verdict": verdict,
            "lighting_reasons": reasons,
        },
        index=segments.index,
    )
    return LightingEvidence(frame, unassigned)


def lighting_verdict(
    *,
    lux_n: np.ndarray,
    lux_mean: np.ndarray,
    lux_min: np.ndarray,
    required_avg: np.ndarray,
    required_min: np.ndarray,
    lit: np.ndarray,
    lamps_working: np.ndarray,
    lamps_broken: np.ndarray,
    gap_m: np.ndarray,
    max_gap_m: float,
    inventory: bool,
) -> tuple[np.ndarray, list[list[str]]]:
    """Vectorised verdict and reason codes (rules in the module docstring).

    Parameters
    ----------
    lux_n, lux_mean, lux_min : ndarray
        Number, mean and minimum of readings (lux; NaN without readings).
    required_avg, required_min : ndarray
        Class requirements (lux).
    lit : ndarray
        OSM ``lit`` values (object; None allowed).
    lamps_working, lamps_broken : ndarray
        Lamp counts.
    gap_m : ndarray
        Largest gap between working lamps (metres; NaN without inventory).
    max_gap_m : float
        Gap limit (metres).
    inventory : bool
        Whether a lamp inventory was given at all.

    Returns
    -------
    (ndarray, list of list of str)
        Verdicts and reason codes per segment.
    """
    check_positive("max_gap_m", max_gap_m)
    has = lux_n > 0
    with np.errstate(invalid="ignore"):
        below_min_mean = has & (lux_mean < required_min)
        below_avg = has & (lux_mean < required_avg)
        reading_low = has & (lux_min < required_min)
        gap_flag = inventory & (np.nan_to_num(gap_m, nan=0.0) > max_gap_m)
    no_lamps = inventory & (lamps_working == 0)
    broken = lamps_broken > 0
    lit_no, lit_lim = lit == "no", lit == "limited"
    lit_yes = np.isin(lit, ["yes", "24/7"])
    spaced = inventory & (lamps_working > 0) & ~gap_flag
    verdict = np.select(
        [
            has & below_min_mean,
            has & (below_avg | reading_low),
            has,
            lit_no | no_lamps,
            gap_flag | broken | lit_lim,
            lit_yes | spaced,
        ],
        ["dark", "under_lit", "ok", "dark", "under_lit", "ok"],
        default="unknown",
    ).astype(object)
    flags = [
        ("mean_below_minimum", below_min_mean),
        ("mean_below_average", below_avg & ~below_min_mean),
        ("reading_below_minimum", reading_low),
        ("readings_meet_class", has & ~below_avg & ~reading_low),
        ("lamp_gap", gap_flag & (lamps_working > 0)),
        ("no_working_lamps", no_lamps),
        ("broken_lamps", broken),
        ("lamps_spaced", spaced),
        ("osm_lit_no", lit_no),
        ("osm_lit_limited", lit_lim),
        ("osm_lit_yes", lit_yes),
    ]
    reasons: list[list[str]] = [[] for _ in range(len(verdict))]
    for code, mask in flags:
        for i in np.flatnonzero(mask):
            reasons[i].append(code)
    for i in np.flatnonzero(verdict == "unknown"):
        reasons[i].append("no_data")
    return verdict, reasons


def _lists(rows: np.ndarray, values: np.ndarray, n: int) -> list[list]:
    out: list[list] = [[] for _ in range(n)]
    for r, v in zip(rows.tolist(), values.tolist(), strict=True):
        out[r].append(v)
    return out

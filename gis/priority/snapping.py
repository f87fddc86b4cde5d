"""Linking reports to places: segments first, green areas as fallback, the rest listed.

All geometry is in one projected metric CRS; distances and lengths are metres.

Rules
-----
* Points go to the nearest segment within ``tolerance_m`` (ties split the report equally).
* Lines go to every segment whose flat-capped ``tolerance_m`` corridor they run through, with a
  share proportional to the length of the line inside each corridor.
* Polygons go to the segments they contain, with a share proportional to the segment length
  inside the polygon; the green areas they overlap are listed as ``role='context'`` rows
  (share = overlapped fraction of the polygon area) so the evidence can name the park without
  counting the report twice.
* Anything that reaches no segment falls back to the green areas it lies in / overlaps
  (``role='primary'``, shares by length or area), and otherwise is returned in ``unassigned``
  with a reason (``beyond_tolerance`` or ``missing_geometry``) — nothing is dropped silently.
"""

from __future__ import annotations

from typing import NamedTuple

from gis.core.lazy import lazy_module
from gis.priority.params import check_positive

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

ASSIGNMENT_COLUMNS = ("feature_id", "place_kind", "place_id", "share", "distance_m", "role")
UNASSIGNED_COLUMNS = ("feature_id", "reason")


class Snapped(NamedTuple):
    """Result of :func:`snap_features`.

    ``assignment`` has columns feature_id, place_kind ('segment'|'green_area'), place_id,
    share (0..1; the primary shares of one feature sum to 1), distance_m, role
    ('primary'|'context'); ``unassigned`` is a GeoDataFrame with feature_id, reason, geometry.
    """

    assignment: pd.DataFrame
    unassigned: gpd.GeoDataFrame


def nearest_segment(
    points: gpd.GeoSeries, segments: gpd.GeoDataFrame, *, max_distance_m: float
) -> pd.DataFrame:
    """Nearest segment of each point within ``max_distance_m`` metres.

    Parameters
    ----------
    points : GeoSeries
        Point geometries in the segments' metric CRS; missing/empty points get no match.
    segments : GeoDataFrame
        Segments with an ``id`` column.
    max_distance_m : float
        Search radius in metres (> 0).

    Returns
    -------
    DataFrame
        Columns ``row`` (position in ``points``), ``segment_id``, ``distance_m``, ``share``
        (1, or 1/n for a tie between n equally near segments). Points without a match are absent.
    """
    check_positive("max_distance_m", max_distance_m)
    geoms = np.asarray(points.values, dtype=object) if len(points) else np.empty(0, object)
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if len(ok) == 0 or len(segments) == 0:
        return _empty_nearest()
    tree = shapely.STRtree(segments.geometry.values)
    (src, dst), dist = tree.query_nearest(
        geoms[ok], max_distance=max_distance_m, return_distance=True, all_matches=True
    )
    rows = ok[src]
    counts = np.bincount(rows, minlength=len(geoms))[rows]
    return pd.DataFrame(
        {
            "row": rows,
            "segment_id": segments["id"].to_numpy()[dst],
            "distance_m": dist,
            "share": 1.0 / counts,
        }
    )


def snap_features(
    features: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    green_areas: gpd.GeoDataFrame | None = None,
    *,
    tolerance_m: float = 25.0,
) -> Snapped:
    """Assign point / line / polygon features to segments and green areas (see module rules).

    Parameters
    ----------
    features : GeoDataFrame
        Reports with an ``id`` column, in the segments' metric CRS.
    segments : GeoDataFrame
        Walking-network segments (``id``, LineString geometry).
    green_areas : GeoDataFrame, optional
        Parks (``id``, (Multi)Polygon geometry).
    tolerance_m : float
        Snapping distance for points and corridor half-width for lines, metres (> 0).

    Returns
    -------
    Snapped
        ``assignment`` and ``unassigned`` frames.
    """
    check_positive("tolerance_m", tolerance_m)
    crs = features.crs if features.crs is not None else segments.crs
    if green_areas is None:
        green_areas = gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs=crs))
    geoms = np.asarray(features.geometry.values, dtype=object)
    ids = features["id"].to_numpy()
    kind = shapely.get_dimensions(geoms)  # 0 point, 1 line, 2 polygon, -1 missing/empty
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kind = np.where(missing, -1, kind)
    parts = []
    done = np.zeros(len(ids), dtype=bool)  # has a primary place
    pts = np.flatnonzero(kind == 0)
    if len(pts):
        near = nearest_segment(gpd.GeoSeries(geoms[pts]), segments, max_distance_m=tolerance_m)
        rows = pts[near["row"].to_numpy()]
        done[rows] = True
        parts.append(
            _rows(ids[rows], "segment", near["segment_id"], near["share"], near["distance_m"])
        )
    for dim, func in ((1, _line_segment_shares), (2, _polygon_segment_shares)):
        sel = np.flatnonzero(kind == dim)
        if len(sel):
            fi, seg_idx, share, dist = func(geoms[sel], segments.geometry.values, tolerance_m)
            done[sel[fi]] = True
            parts.append(
                _rows(ids[sel[fi]], "segment", segments["id"].to_numpy()[seg_idx], share, dist)
            )
    on_segment = done.copy()
    todo = np.flatnonzero((kind >= 0) & ~on_segment)
    if len(todo) and len(green_areas):
        fi, ga_idx, share = _green_shares(geoms[todo], green_areas.geometry.values)
        done[todo[fi]] = True
        ga_ids = green_areas["id"].to_numpy()[ga_idx]
        parts.append(_rows(ids[todo[fi]], "green_area", ga_ids, share, np.zeros(len(fi))))
    poly = np.flatnonzero((kind == 2) & on_segment)
    if len(poly) and len(green_areas):
        fi, ga_idx, share = _green_shares(geoms[poly], green_areas.geometry.values, normalise=False)
        ga_ids = green_areas["id"].to_numpy()[ga_idx]
        ctx = _rows(ids[poly[fi]], "green_area", ga_ids, share, np.zeros(len(fi)))
        ctx["role"] = "context"
        parts.append(ctx)
    assignment = pd.concat(parts, ignore_index=True) if parts else _empty_assignment()
    reason = np.where(kind < 0, "missing_geometry", "beyond_tolerance")
    left = np.flatnonzero(~done)
    unassigned = gpd.GeoDataFrame(
        {"feature_id": ids[left], "reason": reason[left]},
        geometry=gpd.GeoSeries(geoms[left], crs=crs),
        crs=crs,
    )
    return Snapped(assignment.reset_index(drop=True), unassigned)


def segment_green_area(
    segments: gpd.GeoDataFrame, green_areas: gpd.GeoDataFrame | None, *, min_share: float = 0.5
) -> pd.Series:
    """Green area holding at least ``min_share`` of each segment's length (the largest one).

    Parameters
    ----------
    segments : GeoDataFrame
        Segments (metric CRS).
    green_areas : GeoDataFrame or None
        Parks (``id``, polygons) in the same CRS.
    min_share : float
        Share of the segment length (0..1) that must lie inside.

    Returns
    -------
    Series
        Aligned with ``segments``; green-area id or None.
    """
    if not 0 <= min_share <= 1:
        raise ValueError(f"min_share must be in [0, 1], got {min_share}")
    out = pd.Series([None] * len(segments), index=segments.index, dtype=object)
    if green_areas is None or len(green_areas) == 0 or len(segments) == 0:
        return out
    seg = segments.geometry.values
    tree = shapely.STRtree(green_areas.geometry.values)
    si, gi = tree.query(seg, predicate="intersects")
    if len(si) == 0:
        return out
    inside = shapely.length(shapely.intersection(seg[si], green_areas.geometry.values[gi]))
    total = np.maximum(shapely.length(seg[si]), 1e-12)
    frame = pd.DataFrame({"si": si, "gi": gi, "share": inside / total})
    frame = frame.sort_values(["si", "share"], ascending=[True, False]).drop_duplicates("si")
    frame = frame[frame["share"] >= min_share - 1e-12]
    values = out.to_numpy(copy=True)
    values[frame["si"].to_numpy()] = green_areas["id"].to_numpy()[frame["gi"].to_numpy()]
    return pd.Series(values, index=segments.index, dtype=object)


def _line_segment_shares(lines, seg_geoms, tol):
    tree = shapely.STRtree(seg_geoms)
    li, si = tree.query(lines, predicate="dwithin", distance=tol)
    corridor = shapely.buffer(seg_geoms[si], tol, cap_style="flat")
    inside = shapely.length(shapely.intersection(lines[li], corridor))
    dist = shapely.distance(lines[li], seg_geoms[si])
    return _normalise(li, si, inside, dist)


def _polygon_segment_shares(polys, seg_geoms, tol):
    tree = shapely.STRtree(seg_geoms)
    pi, si = tree.query(polys, predicate="intersects")
    inside = shapely.length(shapely.intersection(seg_geoms[si], polys[pi]))
    return _normalise(pi, si, inside, np.zeros(len(pi)))


def _green_shares(geoms, ga_geoms, *, normalise: bool = True):
    tree = shapely.STRtree(ga_geoms)
    fi, gi = tree.query(geoms, predicate="intersects")
    if len(fi) == 0:
        return fi, gi, np.zeros(0)
    dims = shapely.get_dimensions(geoms[fi])
    inter = shapely.intersection(geoms[fi], ga_geoms[gi])
    amount = np.where(
        dims == 2, shapely.area(inter), np.where(dims == 1, shapely.length(inter), 1.0)
    )
    if normalise:
        fi, gi, share, _ = _normalise(fi, gi, amount, np.zeros(len(fi)))
        return fi, gi, share
    total = shapely.area(geoms[fi])
    keep = amount > 0
    return fi[keep], gi[keep], amount[keep] / total[keep]


def _normalise(fi, pi, amount, dist):
    keep = amount > 1e-9
    fi, pi, amount, dist = fi[keep], pi[keep], amount[keep], dist[keep]
    if len(fi) == 0:
        return fi, pi, amount, dist
    total = np.bincount(fi, weights=amount)[fi]
    return fi, pi, amount / total, dist


def _rows(fids, place_kind, place_ids, share, dist) -> pd.DataFrame:
    n = len(fids)
    return pd.DataFrame(
        {
            "feature_id": np.asarray(fids, dtype=object),
            "place_kind": np.full(n, place_kind, dtype=object),
            "place_id": np.asarray(place_ids, dtype=object),
            "share": np.asarray(share, dtype=float),
            "distance_m": np.asarray(dist, dtype=float),
            "role": np.full(n, "primary", dtype=object),
        }
    )


def _empty_assignment() -> pd.DataFrame:
    return _rows([], "segment", [], [], [])


def _empty_nearest() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": np.zeros(0, int),
            "segment_id": np.zeros(0, object),
            "distance_m": np.zeros(0),
            "share": np.zeros(0),
        }
    )

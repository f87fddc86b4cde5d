"""Camera viewsheds (circular sectors) and the share of each segment they cover.

Metric CRS, metres, degrees. ``direction_deg`` is a compass bearing (0 = north, clockwise);
the sector spans ``direction ± fov/2`` out to ``range_m``. A camera without direction (NaN) or
with ``fov_deg >= 360`` sees a full circle. Obstacles are ignored (a planar, unobstructed
viewshed), so coverage is an upper bound.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def viewsheds(cameras: gpd.GeoDataFrame, *, quad_segs: int = 16) -> gpd.GeoSeries:
    """Viewshed polygon of each camera.

    Parameters
    ----------
    cameras : GeoDataFrame
        ``direction_deg`` (NaN = 360°), ``fov_deg`` (0 < fov <= 360 where direction is set),
        ``range_m`` (> 0), Point geometry in a metric CRS.
    quad_segs : int
        Arc vertices per quarter circle.

    Returns
    -------
    GeoSeries
        Polygons aligned with ``cameras``, same CRS.
    """
    if isinstance(quad_segs, bool) or not isinstance(quad_segs, int) or quad_segs < 1:
        raise ValueError(f"quad_segs must be an int >= 1, got {quad_segs!r}")
    n = len(cameras)
    rng = pd.to_numeric(cameras["range_m"].astype(object), errors="coerce").to_numpy(dtype=float)
    direction = pd.to_numeric(cameras["direction_deg"].astype(object), errors="coerce").to_numpy(
        dtype=float
    )
    fov = pd.to_numeric(cameras["fov_deg"].astype(object), errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(rng) & (rng > 0)):
        raise ValueError("cameras.range_m must be finite and > 0 for every camera")
    sector = np.isfinite(direction)
    with np.errstate(invalid="ignore"):
        bad = sector & ~((fov > 0) & (fov <= 360))
    if bad.any():
        raise ValueError("cameras.fov_deg must be in (0, 360] where direction_deg is set")
    sector &= fov < 360
    out = np.empty(n, dtype=object)
    xy = shapely.get_coordinates(cameras.geometry.values) if n else np.zeros((0, 2))
    full = np.flatnonzero(~sector)
    out[full] = shapely.buffer(cameras.geometry.values[full], rng[full], quad_segs=quad_segs)
    idx = np.flatnonzero(sector)
    if len(idx):
        steps = 4 * quad_segs + 1
        t = np.linspace(0.0, 1.0, steps)
        bearing = np.radians(
            (direction[idx] - fov[idx] / 2)[:, None] + fov[idx][:, None] * t[None, :]
        )
        ax = xy[idx, 0:1] + rng[idx, None] * np.sin(bearing)
        ay = xy[idx, 1:2] + rng[idx, None] * np.cos(bearing)
        ring = np.empty((len(idx), steps + 2, 2))
        ring[:, 0] = xy[idx]
        ring[:, 1:-1, 0] = ax
        ring[:, 1:-1, 1] = ay
        ring[:, -1] = xy[idx]
        out[idx] = shapely.polygons(ring)
    return gpd.GeoSeries(out, index=cameras.index, crs=cameras.crs)


def camera_coverage(
    segments: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame, *, quad_segs: int = 16
) -> pd.Series:
    """Share (0..1) of each segment's length inside at least one viewshed.

    Parameters
    ----------
    segments : GeoDataFrame
        Segments (metric CRS).
    cameras : GeoDataFrame
        Cameras, same CRS (see :func:`viewsheds`).
    quad_segs : int
        Arc vertices per quarter circle.

    Returns
    -------
    Series
        Aligned with ``segments``, name ``camera_share``.
    """
    sheds = viewsheds(cameras, quad_segs=quad_segs)
    n = len(segments)
    share = np.zeros(n)
    if n and len(sheds):
        parts = shapely.get_parts(shapely.union_all(sheds.values))
        seg = segments.geometry.values
        si, pi = shapely.STRtree(parts).query(seg, predicate="intersects")
        inside = shapely.length(shapely.intersection(seg[si], parts[pi]))
        covered = np.bincount(si, weights=inside, minlength=n)
        length = np.maximum(shapely.length(seg), 1e-9)
        share = np.clip(covered / length, 0.0, 1.0)
    return pd.Series(share, index=segments.index, name="camera_share")

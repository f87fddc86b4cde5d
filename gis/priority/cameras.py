"""Camera viewsheds (circular sectors) and the share of each segment they cover.

The one definition of a camera's viewshed: the priority engine measures coverage with
:func:`viewsheds`, and the camera layer (``layers.viewshed``) stores :func:`viewshed` of each
camera, so the map and the ranking show the same sector.

Metric CRS, metres, degrees. ``direction_deg`` is a compass bearing (0 = north, clockwise);
the sector spans ``direction ± fov/2`` out to ``range_m``. A camera without direction (NaN or
None) or with ``fov_deg >= 360`` sees a full circle. Obstacles are ignored (a planar,
unobstructed viewshed), so coverage is an upper bound.
"""

from __future__ import annotations

from gis.core.lazy import lazy_module

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")

#: Arc vertices per quarter circle (the engine's ``PriorityParams.camera_quad_segs`` default).
DEFAULT_QUAD_SEGS = 16


def _numbers(values) -> np.ndarray:
    """float64 array; None and text that is not a number become NaN."""
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)


def _sectors(
    xy: np.ndarray, direction: np.ndarray, fov: np.ndarray, rng: np.ndarray, quad_segs: int
) -> np.ndarray:
    """Viewshed polygons of cameras at ``xy`` (n, 2) metres; object array of n polygons."""
    if isinstance(quad_segs, bool) or not isinstance(quad_segs, int) or quad_segs < 1:
        raise ValueError(f"quad_segs must be an int >= 1, got {quad_segs!r}")
    if not np.all(np.isfinite(rng) & (rng > 0)):
        raise ValueError("cameras.range_m must be finite and > 0 for every camera")
    sector = np.isfinite(direction)
    with np.errstate(invalid="ignore"):
        bad = sector & ~((fov > 0) & (fov <= 360))
    if bad.any():
        raise ValueError("cameras.fov_deg must be in (0, 360] where direction_deg is set")
    sector &= fov < 360
    out = np.empty(len(xy), dtype=object)
    full = np.flatnonzero(~sector)
    out[full] = shapely.buffer(shapely.points(xy[full]), rng[full], quad_segs=quad_segs)
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
    return out


def viewsheds(cameras: gpd.GeoDataFrame, *, quad_segs: int = DEFAULT_QUAD_SEGS) -> gpd.GeoSeries:
    """Viewshed polygon of each camera.

    Parameters
    ----------
    cameras : GeoDataFrame
        ``direction_deg`` (NaN = 360°), ``fov_deg`` (0 < fov <= 360 where direction is set),
        ``range_m`` (> 0), Point geometry in a metric CRS.
    quad_segs : int
        Arc vertices per quarter circle of a full circle; a sector's arc has
        ``4 * quad_segs`` segments whatever its field of view.

    Returns
    -------
    GeoSeries
        Polygons aligned with ``cameras``, same CRS.
    """
    xy = shapely.get_coordinates(cameras.geometry.values) if len(cameras) else np.zeros((0, 2))
    polygons = _sectors(
        xy,
        _numbers(cameras["direction_deg"]),
        _numbers(cameras["fov_deg"]),
        _numbers(cameras["range_m"]),
        quad_segs,
    )
    return gpd.GeoSeries(polygons, index=cameras.index, crs=cameras.crs)


def viewshed(
    x: float,
    y: float,
    *,
    direction_deg: float | None,
    fov_deg: float,
    range_m: float,
    quad_segs: int = DEFAULT_QUAD_SEGS,
) -> shapely.Polygon:
    """Viewshed polygon of one camera (as :func:`viewsheds`, for a single record).

    Parameters
    ----------
    x, y : float
        Camera position in metres of a metric CRS.
    direction_deg : float or None
        Compass bearing of the view; None or NaN = all round.
    fov_deg : float
        Field of view in degrees (0 < fov <= 360 where direction is set).
    range_m : float
        How far the camera sees, metres (> 0).
    quad_segs : int
        Arc vertices per quarter circle.

    Returns
    -------
    shapely.Polygon
        The sector (or circle), in the coordinates of ``x`` and ``y``.
    """
    return _sectors(
        np.array([[x, y]], dtype=float),
        _numbers([direction_deg]),
        _numbers([fov_deg]),
        _numbers([range_m]),
        quad_segs,
    )[0]


def camera_coverage(
    segments: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame, *, quad_segs: int = DEFAULT_QUAD_SEGS
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

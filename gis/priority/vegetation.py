"""Vegetation along paths: what stands within the sightline buffer and what blocks the view.

Metric CRS, metres. An object blocks eye-level sightlines when ``blocks_sightline`` is true, or
when it is scrub or a hedge whose height lies within ``shrub_height_m`` (default 0.7-2.5 m: above
knee height, up to just over eye level). Trees are flagged only through ``blocks_sightline``
(their crown is normally above eye level). Objects with unknown height are not flagged by height.
Vegetation-category reports are counted by ``gis.priority.demand``, not here.
"""

from __future__ import annotations

from gis.core.lazy import lazy_module
from gis.priority.params import check_positive

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
pd = lazy_module("pandas")
shapely = lazy_module("shapely")


def blocks_sightline(
    vegetation: gpd.GeoDataFrame, *, shrub_height_m: tuple[float, float] = (0.7, 2.5)
) -> np.ndarray:
    """Boolean mask of vegetation objects that block eye-level sightlines.

    Parameters
    ----------
    vegetation : GeoDataFrame
        ``kind``, ``height_m`` (metres, NaN allowed), ``blocks_sightline``.
    shrub_height_m : (float, float)
        Inclusive height range (metres) in which scrub and hedges block the view.

    Returns
    -------
    ndarray of bool
        Aligned with ``vegetation``.
    """
    low, high = shrub_height_m
    if not 0 <= low < high:
        raise ValueError(f"shrub_height_m must satisfy 0 <= low < high, got {shrub_height_m}")
    flag = vegetation["blocks_sightline"].astype(object).fillna(False).to_numpy(dtype=bool)
    height = pd.to_numeric(vegetation["height_m"].astype(object), errors="coerce").to_numpy(
        dtype=float
    )
    shrub = vegetation["kind"].isin(["scrub", "hedge"]).to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        in_range = (height >= low) & (height <= high)
    return flag | (shrub & in_range)


def vegetation_evidence(
    segments: gpd.GeoDataFrame,
    vegetation: gpd.GeoDataFrame,
    *,
    buffer_m: float = 3.0,
    shrub_height_m: tuple[float, float] = (0.7, 2.5),
) -> pd.DataFrame:
    """Vegetation within ``buffer_m`` metres of each segment.

    Parameters
    ----------
    segments : GeoDataFrame
        Segments (metric CRS).
    vegetation : GeoDataFrame
        Trees, scrub and hedges (points or polygons), same CRS.
    buffer_m : float
        Sightline buffer around the path, metres (> 0).
    shrub_height_m : (float, float)
        See :func:`blocks_sightline`.

    Returns
    -------
    DataFrame
        Aligned with ``segments``: veg_near (count), veg_flagged (count), veg_flagged_ids (list).
    """
    check_positive("buffer_m", buffer_m)
    n = len(segments)
    flagged = blocks_sightline(vegetation, shrub_height_m=shrub_height_m)
    ids: list[list] = [[] for _ in range(n)]
    near = np.zeros(n, int)
    n_flag = np.zeros(n, int)
    if n and len(vegetation):
        geoms = vegetation.geometry.values
        si, vi = shapely.STRtree(geoms).query(
            segments.geometry.values, predicate="dwithin", distance=buffer_m
        )
        near = np.bincount(si, minlength=n)
        hit = flagged[vi]
        n_flag = np.bincount(si[hit], minlength=n)
        veg_ids = vegetation["id"].to_numpy(dtype=object)
        for s, v in zip(si[hit].tolist(), vi[hit].tolist(), strict=True):
            ids[s].append(veg_ids[v])
    return pd.DataFrame(
        {"veg_near": near, "veg_flagged": n_flag, "veg_flagged_ids": ids}, index=segments.index
    )

"""Map overlays computed from report points: the heat-map image and Gi* hot-spot cells.

Pure functions over numpy arrays (no Django): coordinates are in the metres of a projected
storage CRS (e.g. EPSG:3006 or EPSG:3067). They call the engine in :mod:`gis.analysis`
(kernel density, PNG rendering and legend, square grids, Gi*) and only add what a web map
needs: the density is warped to Web Mercator (EPSG:3857) so the PNG can be placed exactly by
its WGS 84 corners, and hot-spot cells come back as a GeoDataFrame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from rasterio.transform import Affine
from rasterio.warp import Resampling, reproject

from gis.analysis import (
    DensityRaster,
    cell_centres,
    colour_legend,
    count_points,
    gistar_grid,
    grid_to_geodataframe,
    kernel_density,
    make_square_grid,
    render_png,
    wgs84_bounds,
)

PER_KM2 = 1e6
WEB_MERCATOR = "EPSG:3857"


@dataclass(frozen=True)
class HeatOverlay:
    """A heat-map image for a web map.

    Attributes
    ----------
    png : bytes
        RGBA PNG, north up, in Web Mercator.
    bounds : tuple of float
        (west, south, east, north) in degrees (WGS 84) of the image's edges.
    legend : list of (float, str)
        (density in reports per km², colour) from low to high.
    params : dict
        Kernel, bandwidth_m, cell_size_m, n_points, vmax_per_km2.
    """

    png: bytes
    bounds: tuple[float, float, float, float]
    legend: list[tuple[float, str]]
    params: dict[str, Any] = field(default_factory=dict)


def heat_overlay(
    x: Sequence[float],
    y: Sequence[float],
    *,
    crs: str,
    extent: Sequence[float],
    bandwidth: float,
    cell_size: float | None = None,
    legend_steps: int = 5,
) -> HeatOverlay | None:
    """Kernel density of points rendered as a Web Mercator PNG with WGS 84 bounds.

    Parameters
    ----------
    x, y : array-like
        Point coordinates in metres of `crs`.
    crs : str
        The points' projected CRS, e.g. "EPSG:3006".
    extent : (xmin, ymin, xmax, ymax)
        Area of the surface in metres of `crs` (the municipality's bounding box), so that the
        image covers the same area whatever the filters.
    bandwidth : float
        Kernel radius in metres (> 0).
    cell_size : float, optional
        Cell size in metres; default bandwidth / 10 (see :func:`gis.analysis.kernel_density`).
    legend_steps : int
        Number of legend entries (>= 2).

    Returns
    -------
    HeatOverlay or None
        None when there are no points (nothing to draw).
    """
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.size == 0 and ya.size == 0:
        return None
    raster = kernel_density(
        xa, ya, bandwidth=bandwidth, cell_size=cell_size, extent=extent, kernel="quartic", crs=crs
    )
    # The Web Mercator grid covering the raster, with about as many cells as the source.
    rows, cols = raster.shape
    to_web = Transformer.from_crs(crs, WEB_MERCATOR, always_xy=True)
    wxmin, wymin, wxmax, wymax = to_web.transform_bounds(*raster.bounds, densify_pts=21)
    size = math.sqrt((wxmax - wxmin) * (wymax - wymin) / (rows * cols))
    width = max(1, math.ceil((wxmax - wxmin) / size))
    height = max(1, math.ceil((wymax - wymin) / size))
    transform = Affine(size, 0.0, wxmin, 0.0, -size, wymin + height * size)
    warped = np.zeros((height, width), dtype=np.float64)
    reproject(
        raster.array,
        warped,
        src_transform=raster.transform,
        src_crs=crs,
        dst_transform=transform,
        dst_crs=WEB_MERCATOR,
        resampling=Resampling.bilinear,
    )
    warped[~np.isfinite(warped) | (warped < 0)] = 0.0
    web = DensityRaster(warped, transform, WEB_MERCATOR, raster.params)
    vmax = float(warped.max())
    if not vmax > 0:
        return None
    legend = [(value * PER_KM2, colour) for value, colour in colour_legend(vmax, legend_steps)]
    params = {**raster.params, "vmax_per_km2": vmax * PER_KM2}
    return HeatOverlay(render_png(web, vmax=vmax, min_alpha=0.0), wgs84_bounds(web), legend, params)


def hotspot_cells(
    x: Sequence[float],
    y: Sequence[float],
    *,
    crs: str,
    extent: Sequence[float],
    cell_size: float,
    distance: float,
    study_area: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """Gi* hot and cold spots of point counts on a square grid (binary distance band).

    Parameters
    ----------
    x, y : array-like
        Point coordinates in metres of `crs` (may be empty).
    crs : str
        The projected CRS of the coordinates.
    extent : (xmin, ymin, xmax, ymax)
        Grid extent in metres.
    cell_size : float
        Cell edge in metres (> 0).
    distance : float
        Neighbourhood band in metres between cell centres (>= cell_size).
    study_area : shapely geometry, optional
        Only cells whose centre lies inside are observations (the municipality).

    Returns
    -------
    geopandas.GeoDataFrame
        Every cell of the study area: cell_id, count, z, p and gi_bin (-3..3: cold / hot spot
        at 90, 95, 99 % confidence; 0 = not significant), cell polygons in `crs`. When there
        are too few points for Gi* (none, or the same count everywhere) every gi_bin is 0.
    """
    if distance < cell_size:
        raise ValueError(f"distance must be >= cell_size ({cell_size} m), got {distance} m")
    grid = make_square_grid(extent, cell_size)
    cx, cy = cell_centres(grid)
    inside = (
        np.ones(grid.n_cells, dtype=bool)
        if study_area is None
        else shapely.contains_xy(study_area, cx, cy)
    )
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    counts = (
        count_points(grid, xa, ya) if xa.size and ya.size else np.zeros(grid.n_cells)
    ).reshape(grid.rows, grid.cols)
    mask = inside.reshape(grid.rows, grid.cols)
    z = np.full(grid.n_cells, np.nan)
    p = np.full(grid.n_cells, np.nan)
    gi_bin = np.zeros(grid.n_cells, dtype=np.int8)
    values = counts[mask]
    if values.size >= 3 and values.min() != values.max():
        result = gistar_grid(counts, cell_size, distance, mask=mask)
        z, p, gi_bin = result.z.ravel(), result.p.ravel(), result.gi_bin.ravel()
    frame = grid_to_geodataframe(grid, crs=crs)
    frame["count"] = counts.ravel()
    frame["z"] = z
    frame["p"] = p
    frame["gi_bin"] = gi_bin
    return frame[inside].reset_index(drop=True)

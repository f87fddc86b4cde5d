"""Map overlays computed from report points: the heat-map image and Gi* hot-spot cells.

Pure functions over numpy arrays (no Django): coordinates are in the metres of a projected
storage CRS (e.g. EPSG:3006 or EPSG:3067). They call the engines — :mod:`gis.analysis` for
kernel density, PNG rendering and legend, :func:`gis.hotspots.compute.hotspot_cells` for Gi*
— and only add what a web map needs: the density is warped to Web Mercator (EPSG:3857) so the
PNG can be placed exactly by its WGS 84 corners, and hot-spot cells come back as a
GeoDataFrame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gis.analysis import (
    DensityRaster,
    colour_legend,
    kernel_density,
    make_square_grid,
    render_png,
    wgs84_bounds,
)
from gis.core.lazy import lazy_attribute, lazy_module
from gis.hotspots.compute import hotspot_cells

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
shapely = lazy_module("shapely")
Transformer = lazy_attribute("pyproj", "Transformer")
Affine = lazy_attribute("rasterio.transform", "Affine")
Resampling = lazy_attribute("rasterio.warp", "Resampling")
reproject = lazy_attribute("rasterio.warp", "reproject")

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


def hotspot_overlay(
    x: Sequence[float],
    y: Sequence[float],
    *,
    crs: str,
    extent: Sequence[float],
    cell_size: float,
    distance: float,
    area: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """Gi* hot and cold spots of report points for the live map (binary distance band).

    Only the adapter from the dashboard's arrays to the one Gi* cell analysis,
    :func:`gis.hotspots.compute.hotspot_cells`: the points count once each (unweighted), the
    grid is a square grid from the north-west corner of `extent`, and every cell intersecting
    `area` is an observation.

    Parameters
    ----------
    x, y : array-like
        Point coordinates in metres of `crs` (may be empty).
    crs : str
        The projected CRS of the coordinates, e.g. "EPSG:3006".
    extent : (xmin, ymin, xmax, ymax)
        Area to cover in metres (the municipality's bounding box).
    cell_size : float
        Cell edge in metres (> 0).
    distance : float
        Neighbourhood band in metres between cell centres (>= cell_size).
    area : shapely geometry, optional
        The study area in `crs` (the municipality); default every cell of the grid.

    Returns
    -------
    geopandas.GeoDataFrame
        Every analysed cell: cell_id, row, col, value (number of points), z, p, gi_bin (-3..3),
        category, cell polygon in `crs`; see :func:`gis.hotspots.compute.hotspot_cells`.
    """
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
        ),
        crs=crs,
    )
    grid = make_square_grid(extent, cell_size)
    return hotspot_cells(points, grid, distance=distance, study_area="extent", area=area)

"""Heat map, Gi* hot spots and emerging hot spots of a selection of reports.

Pure functions (no Django): the input is a GeoDataFrame of report points with ``weight``
(default 1) and ``created_at`` columns (as :func:`gis.hotspots.selection.select_reports`
returns) in a
projected CRS in metres (EPSG:3006 SWEREF 99 TM by default, EPSG:3067 in the demo); the
output is cells of a square grid (:func:`gis.hotspots.cube.aligned_grid`) as a GeoDataFrame
in the same CRS, or a density raster. A notebook can call them on any such frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gis.analysis import (
    DensityRaster,
    SquareGrid,
    classify_gi_bin,
    emerging_hotspots,
    gistar_grid,
    grid_to_geodataframe,
    kernel_density,
    suggest_bandwidth,
)
from gis.analysis import _validation as check
from gis.core.lazy import lazy_module
from gis.hotspots.cube import space_time_counts, step_index, study_mask

gpd = lazy_module("geopandas")
np = lazy_module("numpy")
shapely = lazy_module("shapely")

GI_BIN_LABELS = {
    3: "hot spot 99%",
    2: "hot spot 95%",
    1: "hot spot 90%",
    0: "not significant",
    -1: "cold spot 90%",
    -2: "cold spot 95%",
    -3: "cold spot 99%",
}


def _coordinates(reports: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y (metres) and weight of each report (1 without a ``weight`` column); may be empty."""
    if reports.crs is not None and not reports.crs.is_projected:
        raise ValueError(f"reports must be in a projected CRS in metres, got {reports.crs}")
    if not (reports.geom_type == "Point").all():
        raise ValueError("reports must be points (use representative points of lines/areas)")
    xy = reports.get_coordinates().to_numpy().reshape(-1, 2)
    weight = (
        reports["weight"].to_numpy(dtype=np.float64)
        if "weight" in reports.columns
        else np.ones(len(xy))
    )
    return xy[:, 0], xy[:, 1], weight


def _points(reports: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`_coordinates`, for analyses that need at least one report."""
    if len(reports) == 0:
        raise ValueError("reports must not be empty: no reports match the selection")
    return _coordinates(reports)


def heat_surface(
    reports: gpd.GeoDataFrame,
    *,
    bandwidth: float | None,
    cell_size: float | None = None,
    extent: Sequence[float] | None = None,
    kernel: str = "quartic",
    max_cells: int = 25_000_000,
) -> DensityRaster:
    """Kernel density heat map of the reports (weighted by their ``weight``).

    Parameters
    ----------
    reports : geopandas.GeoDataFrame
        Report points with a ``weight`` column, projected CRS in metres.
    bandwidth : float or None
        Kernel radius in metres; None = :func:`gis.analysis.suggest_bandwidth`.
    cell_size : float, optional
        Raster cell in metres; default bandwidth / 10.
    extent : (xmin, ymin, xmax, ymax), optional
        Raster extent in metres; default the points' bounding box padded by the bandwidth.
    kernel : str
        See :func:`gis.analysis.kernel_density`.
    max_cells : int
        Refuse rasters with more cells.

    Returns
    -------
    DensityRaster
        Weighted reports per m² (CRS of ``reports``); ``params`` records the bandwidth and
        whether it was suggested.
    """
    x, y, w = _points(reports)
    weights = None if np.all(w == 1.0) else w
    suggested = bandwidth is None
    h = suggest_bandwidth(x, y, weights) if suggested else bandwidth
    crs = reports.crs.to_string() if reports.crs is not None else None
    raster = kernel_density(
        x,
        y,
        weights,
        bandwidth=h,
        cell_size=cell_size,
        extent=extent,
        kernel=kernel,
        crs=crs,
        max_cells=max_cells,
    )
    raster.params["bandwidth_suggested"] = suggested
    return raster


def _band(distance: float, cell_size: float) -> float:
    """The Gi* band in metres, checked even when Gi* is undefined and so never computed."""
    band = check.positive("distance", distance)
    if band < cell_size:
        raise ValueError(f"distance must be >= cell_size ({cell_size} m), got {band} m")
    return band


def hotspot_cells(
    reports: gpd.GeoDataFrame,
    grid: SquareGrid,
    *,
    distance: float,
    study_area: str = "network",
    lines: gpd.GeoSeries | None = None,
    area: shapely.Geometry | None = None,
    fdr: bool = False,
) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* hot and cold spots of report counts on a grid (binary distance band).

    The one Gi* cell analysis of Trygg: stored runs (:func:`gis.hotspots.runs.run_gistar`)
    and the dashboard's live overlay (:func:`gis.dashboard.overlay.hotspot_overlay`) both call
    it, so a live map and a stored run of the same reports and grid agree cell by cell.

    Parameters
    ----------
    reports : geopandas.GeoDataFrame
        Report points in the grid CRS (projected, metres), with an optional ``weight``
        column (default 1 per report). May be empty: nothing is then significant.
    grid : SquareGrid
        Analysis grid, e.g. :func:`gis.hotspots.cube.aligned_grid`.
    distance : float
        Neighbourhood band between cell centres in metres (>= the cell size).
    study_area : {"network", "reports", "extent"}
        Which cells are observations (see :func:`gis.hotspots.cube.study_mask`).
    lines : geopandas.GeoSeries, optional
        Street segments, required for "network".
    area : shapely geometry, optional
        Analyse only cells intersecting this polygon (the municipality, a district), so
        that every report inside it lies in an analysed cell.
    fdr : bool
        Benjamini-Hochberg false discovery rate correction of the confidence bins.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per analysed cell: cell_id, row, col, value (weighted count), z, p
        (two-sided), gi_bin (-3..3), category (:data:`GI_BIN_LABELS`), cell polygon.
        When Gi* is undefined (no reports, fewer than 3 analysed cells, or the same value in
        every analysed cell) z and p are NaN and every cell is "not significant".
    """
    band = _band(distance, grid.cell_size)
    x, y, w = _coordinates(reports)
    steps = np.zeros(len(x), np.int64)
    counts = space_time_counts(grid, x, y, steps, 1, w)[0]
    if len(x) and counts.sum() == 0:
        raise ValueError("reports must lie inside the grid: no report falls in any cell")
    mask = study_mask(grid, study_area, totals=counts, lines=lines, area=area)
    z = np.full(counts.shape, np.nan)
    p = np.full(counts.shape, np.nan)
    gi_bin = np.zeros(counts.shape, np.int8)
    values = counts[mask]
    if values.size >= 3 and values.min() != values.max():
        result = gistar_grid(counts, grid.cell_size, band, mask=mask)
        z, p = result.z, result.p
        gi_bin = classify_gi_bin(z, p, fdr=fdr)
    cells = _cells(grid, reports.crs, mask)
    cells["value"] = values
    cells["z"] = z[mask]
    cells["p"] = p[mask]
    cells["gi_bin"] = gi_bin[mask].astype(np.int64)
    cells["category"] = cells["gi_bin"].map(GI_BIN_LABELS)
    return cells


def _cells(grid: SquareGrid, crs, mask: np.ndarray) -> gpd.GeoDataFrame:
    cells = grid_to_geodataframe(grid, crs=crs)
    return cells[mask.ravel()].reset_index(drop=True)


@dataclass(frozen=True)
class EmergingCells:
    """Emerging hot spot output for the analysed cells.

    Attributes
    ----------
    cells : geopandas.GeoDataFrame
        cell_id, row, col, value (weighted count over all steps), category (ArcGIS Pro
        emerging hot spot categories, e.g. "new hot spot"), trend_z, trend_p (Mann-Kendall
        on the Gi* z series), final_z, final_p (Gi* at the last step), n_hot, n_cold,
        cell polygon; grid CRS.
    counts : numpy.ndarray
        (n_steps, n_cells) weighted counts of the analysed cells, in ``cells`` order.
    z, p : numpy.ndarray
        (n_steps, n_cells) Gi* z-scores and two-sided p-values, in ``cells`` order.
    edges : list of datetime
        n_steps + 1 step edges.
    """

    cells: gpd.GeoDataFrame
    counts: np.ndarray
    z: np.ndarray
    p: np.ndarray
    edges: list[datetime]


def emerging_cells(
    reports: gpd.GeoDataFrame,
    grid: SquareGrid,
    edges: Sequence[datetime],
    *,
    distance: float,
    study_area: str = "network",
    lines: gpd.GeoSeries | None = None,
    area: shapely.Geometry | None = None,
    time_window: int = 0,
    alpha: float = 0.05,
    trend_alpha: float = 0.05,
    fdr: bool = False,
) -> EmergingCells:
    """Emerging hot spot analysis of the reports over time steps on a grid.

    Parameters
    ----------
    reports : geopandas.GeoDataFrame
        Report points with ``weight`` and ``created_at`` (aware) columns, grid CRS (metres).
    grid : SquareGrid
        Analysis grid.
    edges : sequence of datetime
        Step edges (e.g. :func:`gis.hotspots.cube.month_edges`); at least 10 steps.
    distance : float
        Neighbourhood band between cell centres in metres (>= the cell size).
    study_area : {"network", "reports", "extent"}
        Which cells are observations (see :func:`gis.hotspots.cube.study_mask`).
    lines : geopandas.GeoSeries, optional
        Street segments, required for "network".
    area : shapely geometry, optional
        Analyse only cells intersecting this polygon (e.g. the selected district).
    time_window : int
        Previous steps in the neighbourhood (0 = each step on its own).
    alpha, trend_alpha : float
        Significance of hot / cold bins and of the Mann-Kendall trend.
    fdr : bool
        Benjamini-Hochberg correction per time step.

    Returns
    -------
    EmergingCells
    """
    x, y, w = _points(reports)
    edges = list(edges)
    n_steps = len(edges) - 1
    steps = step_index(reports["created_at"], edges)
    cube = space_time_counts(grid, x, y, steps, n_steps, w)
    totals = cube.sum(axis=0)
    if totals.sum() == 0:
        raise ValueError("reports must fall inside the grid and the period: none does")
    mask = study_mask(grid, study_area, totals=totals, lines=lines, area=area)
    result = emerging_hotspots(
        cube,
        cell_size=grid.cell_size,
        distance=distance,
        mask=mask,
        time_window=time_window,
        alpha=alpha,
        trend_alpha=trend_alpha,
        fdr=fdr,
    )
    table = result.table
    cells = _cells(grid, reports.crs, mask)
    if not np.array_equal(cells["cell_id"].to_numpy(), table["cell_id"].to_numpy()):
        raise RuntimeError("emerging hot spot cells are not in grid order")  # pragma: no cover
    cells["value"] = totals[mask]
    for column in ("category", "trend_z", "trend_p", "final_z", "final_p", "n_hot", "n_cold"):
        cells[column] = table[column].to_numpy()
    counts = cube[:, mask]
    return EmergingCells(cells, counts, result.z, result.p, edges)

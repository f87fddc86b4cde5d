"""Stored analysis runs: heat maps, Gi* hot spots and emerging hot spots from the database.

Each ``run_*`` function selects reports (:mod:`gis.hotspots.selection`), computes with the
pure engine (:mod:`gis.hotspots.compute`) and stores an ``AnalysisRun`` (parameters, period,
who ran it, data version, summary) with its ``HotspotCell`` rows, or for a heat map its
Cloud-Optimized GeoTIFF under MEDIA_ROOT/analysis/ (storage CRS, TRYGG_SRID, metres).
:mod:`gis.hotspots.stored` reads runs back. Bad parameters raise ``ValueError`` naming the
parameter.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from gis import frames
from gis.analysis import DEFAULT_BANDWIDTH_M, wgs84_bounds, write_cog
from gis.core.models import Municipality
from gis.hotspots.compute import emerging_cells, heat_surface, hotspot_cells
from gis.hotspots.cube import aligned_grid, check_emerging_steps, month_edges
from gis.hotspots.models import AnalysisRun, HotspotCell
from gis.hotspots.selection import ReportSelection, data_version, select_reports
from layers.models import District

DEFAULT_CELL_SIZE_M = 100.0
DEFAULT_DISTANCE_M = 150.0
DEFAULT_MONTHS = 24
#: ArcGIS Pro's default "neighborhood time step": each bin's neighbours include the previous
#: step, and mean / variance are taken over the whole space-time cube.
DEFAULT_TIME_WINDOW = 1
#: Refuse hot spot grids with more cells (each analysed cell becomes a stored row).
MAX_HOTSPOT_CELLS = 1_000_000
#: Refuse heat map rasters with more cells.
MAX_HEATMAP_CELLS = 16_000_000
_CELL_BATCH = 2000


def _reports(
    municipality: Municipality,
    selection: ReportSelection,
    since: datetime | None,
    until: datetime | None,
) -> gpd.GeoDataFrame:
    reports = select_reports(municipality, selection, since=since, until=until)
    if reports.empty:
        period = "".join(
            f" {word} {moment:%Y-%m-%d %H:%M}"
            for word, moment in (("since", since), ("until", until))
            if moment is not None
        )
        raise ValueError(
            f"selection is empty: no reports match {selection.describe()}{period}; "
            "widen the filters or the period"
        )
    return reports


def _extent(municipality: Municipality) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in municipality.boundary.extent)  # type: ignore[return-value]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _summary(reports: gpd.GeoDataFrame) -> dict:
    return {
        "n_reports": len(reports),
        "sum_weights": float(reports["weight"].sum()),
        "by_source": {k: int(v) for k, v in reports["source"].value_counts().items()},
        "first_report": _iso(reports["created_at"].min().to_pydatetime()),
        "last_report": _iso(reports["created_at"].max().to_pydatetime()),
    }


def _grid_params(grid) -> dict:
    return {
        "xmin": grid.xmin,
        "ymax": grid.ymax,
        "cell_size": grid.cell_size,
        "rows": grid.rows,
        "cols": grid.cols,
        "srid": settings.TRYGG_SRID,
    }


def _store_cells(run: AnalysisRun, cells: gpd.GeoDataFrame, z: str, p: str) -> None:
    srid = settings.TRYGG_SRID
    rows = [
        HotspotCell(
            run=run,
            cell_id=int(cell_id),
            category=category,
            z=None if not np.isfinite(zv) else float(zv),
            p=None if not np.isfinite(pv) else float(pv),
            value=float(value),
            geom=GEOSGeometry(memoryview(wkb), srid=srid),
        )
        for cell_id, category, zv, pv, value, wkb in zip(
            cells["cell_id"],
            cells["category"],
            cells[z],
            cells[p],
            cells["value"],
            cells.geometry.to_wkb(),
            strict=True,
        )
    ]
    HotspotCell.objects.bulk_create(rows, batch_size=_CELL_BATCH)


def _categories(cells: gpd.GeoDataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in cells["category"].value_counts().sort_index().items()}


def _lines(municipality: Municipality, study_area: str) -> gpd.GeoSeries | None:
    return frames.segments(municipality).geometry if study_area == "network" else None


def _area(selection: ReportSelection) -> shapely.Geometry | None:
    if selection.district is None:
        return None
    district = District.objects.get(pk=selection.district)
    return shapely.from_wkb(bytes(district.geom.wkb))


def run_heatmap(
    municipality: Municipality,
    selection: ReportSelection | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    bandwidth: float | None = DEFAULT_BANDWIDTH_M,
    cell_size: float | None = None,
    kernel: str = "quartic",
    max_cells: int = MAX_HEATMAP_CELLS,
    user=None,
) -> AnalysisRun:
    """Compute a kernel density heat map of the selected reports and store it as a COG.

    Parameters
    ----------
    municipality : gis.core.models.Municipality
    selection : ReportSelection, optional
        Filters and weighting; default all reports, unweighted.
    since, until : datetime, optional
        Half-open period of the report times.
    bandwidth : float or None
        Kernel radius in metres (default 200 m); None = suggested from the points.
    cell_size : float, optional
        Raster cell in metres (default bandwidth / 10).
    kernel : str
        "quartic" (default), "epanechnikov", "uniform" or "triangular".
    max_cells : int
        Refuse rasters with more cells.
    user : User, optional
        Who ran it.

    Returns
    -------
    gis.hotspots.models.AnalysisRun
        kind "heatmap"; ``raster`` is the GeoTIFF (storage CRS, weighted reports per m²).
    """
    sel = selection or ReportSelection()
    reports = _reports(municipality, sel, since, until)
    raster = heat_surface(
        reports,
        bandwidth=bandwidth,
        cell_size=cell_size,
        extent=_extent(municipality),
        kernel=kernel,
        max_cells=max_cells,
    )
    vmax = float(np.nanmax(raster.array))
    summary = {
        **_summary(reports),
        "max_density": vmax,
        "units": raster.units,
        "shape": list(raster.shape),
        "wgs84_bounds": list(wgs84_bounds(raster)),
    }
    params = {
        "selection": sel.as_params(),
        "since": _iso(since),
        "until": _iso(until),
        "kernel": kernel,
        "bandwidth_m": raster.params["bandwidth_m"],
        "bandwidth_suggested": raster.params["bandwidth_suggested"],
        "cell_size_m": raster.cell_size,
        "extent": list(raster.bounds),
        "srid": settings.TRYGG_SRID,
    }
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            municipality=municipality,
            kind=AnalysisRun.Kind.HEATMAP,
            params=params,
            period_start=since or reports["created_at"].min().to_pydatetime(),
            period_end=until or timezone.now(),
            created_by=user,
            data_version=data_version(reports),
            summary=summary,
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "heatmap.tif"
            write_cog(raster, path)
            with path.open("rb") as handle:
                run.raster.save(f"heatmap-{run.pk}.tif", File(handle), save=True)
    return run


def run_gistar(
    municipality: Municipality,
    selection: ReportSelection | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    cell_size: float = DEFAULT_CELL_SIZE_M,
    distance: float = DEFAULT_DISTANCE_M,
    study_area: str = "network",
    fdr: bool = False,
    max_cells: int = MAX_HOTSPOT_CELLS,
    user=None,
) -> AnalysisRun:
    """Compute Getis-Ord Gi* hot spots of the selected reports on a grid and store the cells.

    Parameters
    ----------
    municipality : gis.core.models.Municipality
    selection : ReportSelection, optional
        Filters and weighting; default all reports, unweighted.
    since, until : datetime, optional
        Half-open period of the report times.
    cell_size : float
        Grid cell edge in metres (default 100 m); the grid covers the municipality.
    distance : float
        Binary neighbourhood band in metres between cell centres (default 150 m).
    study_area : {"network", "reports", "extent"}
        Which cells are analysed (:func:`gis.hotspots.cube.study_mask`).
    fdr : bool
        False discovery rate correction of the confidence bins.
    max_cells : int
        Refuse grids with more cells.
    user : User, optional
        Who ran it.

    Returns
    -------
    gis.hotspots.models.AnalysisRun
        kind "gistar"; one HotspotCell per analysed cell: category ("hot spot 99%" ...
        "not significant" ... "cold spot 99%"), z, p (two-sided), value (weighted count).
    """
    sel = selection or ReportSelection()
    grid = aligned_grid(_extent(municipality), cell_size, max_cells=max_cells)
    reports = _reports(municipality, sel, since, until)
    cells = hotspot_cells(
        reports,
        grid,
        distance=distance,
        study_area=study_area,
        lines=_lines(municipality, study_area),
        area=_area(sel),
        fdr=fdr,
    )
    params = {
        "selection": sel.as_params(),
        "since": _iso(since),
        "until": _iso(until),
        "cell_size_m": grid.cell_size,
        "distance_m": float(distance),
        "study_area": study_area,
        "fdr": fdr,
        "grid": _grid_params(grid),
    }
    summary = {**_summary(reports), "n_cells": len(cells), "categories": _categories(cells)}
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            municipality=municipality,
            kind=AnalysisRun.Kind.GISTAR,
            params=params,
            period_start=since or reports["created_at"].min().to_pydatetime(),
            period_end=until or timezone.now(),
            created_by=user,
            data_version=data_version(reports),
            summary=summary,
        )
        _store_cells(run, cells, "z", "p")
    return run


def run_emerging(
    municipality: Municipality,
    selection: ReportSelection | None = None,
    *,
    months: int = DEFAULT_MONTHS,
    end: datetime | None = None,
    cell_size: float = DEFAULT_CELL_SIZE_M,
    distance: float = DEFAULT_DISTANCE_M,
    time_window: int = DEFAULT_TIME_WINDOW,
    alpha: float = 0.05,
    trend_alpha: float = 0.05,
    fdr: bool = False,
    study_area: str = "network",
    max_cells: int = MAX_HOTSPOT_CELLS,
    user=None,
) -> AnalysisRun:
    """Emerging hot spot analysis over monthly steps; stores one cell per analysed cell.

    Parameters
    ----------
    municipality : gis.core.models.Municipality
    selection : ReportSelection, optional
        Filters and weighting; default all reports, unweighted.
    months : int
        Number of calendar-month time steps (>= 10), ending with the month of ``end``.
    end : datetime, optional
        Aware end of the last step (default now, months in settings.TIME_ZONE; an ``end``
        in UTC makes UTC months).
    cell_size, distance : float
        Grid cell edge and binary neighbourhood band in metres (defaults 100 m / 150 m).
    time_window : int
        Previous steps in each bin's neighbourhood (default 1, as ArcGIS Pro).
    alpha, trend_alpha : float
        Significance of hot / cold bins and of the Mann-Kendall trend.
    fdr : bool
        Benjamini-Hochberg correction per time step.
    study_area : {"network", "reports", "extent"}
        Which cells are analysed (:func:`gis.hotspots.cube.study_mask`).
    max_cells : int
        Refuse grids with more cells.
    user : User, optional
        Who ran it.

    Returns
    -------
    gis.hotspots.models.AnalysisRun
        kind "emerging"; HotspotCell rows with the ArcGIS category ("new hot spot", ...,
        "no pattern"), z / p of the final step, value = weighted count over all steps;
        the summary holds the category counts and the step edges.
    """
    check_emerging_steps(months)
    sel = selection or ReportSelection()
    end = timezone.localtime() if end is None else end
    edges = month_edges(end, months)
    grid = aligned_grid(_extent(municipality), cell_size, max_cells=max_cells)
    reports = _reports(municipality, sel, edges[0], end)
    result = emerging_cells(
        reports,
        grid,
        edges,
        distance=distance,
        study_area=study_area,
        lines=_lines(municipality, study_area),
        area=_area(sel),
        time_window=time_window,
        alpha=alpha,
        trend_alpha=trend_alpha,
        fdr=fdr,
    )
    cells = result.cells
    params = {
        "selection": sel.as_params(),
        "months": months,
        "end": _iso(end),
        "cell_size_m": grid.cell_size,
        "distance_m": float(distance),
        "time_window": time_window,
        "alpha": alpha,
        "trend_alpha": trend_alpha,
        "fdr": fdr,
        "study_area": study_area,
        "grid": _grid_params(grid),
    }
    summary = {
        **_summary(reports),
        "n_cells": len(cells),
        "categories": _categories(cells),
        "edges": [_iso(e) for e in edges],
        "reports_per_step": [float(v) for v in result.counts.sum(axis=1)],
    }
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            municipality=municipality,
            kind=AnalysisRun.Kind.EMERGING,
            params=params,
            period_start=edges[0],
            period_end=end,
            created_by=user,
            data_version=data_version(reports),
            summary=summary,
        )
        _store_cells(run, cells, "final_z", "final_p")
    return run

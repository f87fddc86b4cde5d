"""Stored runs read back: cells and rasters as GeoDataFrames / arrays, run lists, comparisons.

Database side. Geometry is in the storage CRS (TRYGG_SRID, metres), so notebooks can map,
join and compare runs directly.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from django.conf import settings

from gis import frames
from gis.analysis import DensityRaster, read_raster
from gis.core import storedjson
from gis.core.models import Municipality
from gis.hotspots.models import AnalysisRun, HotspotCell


def load_cells(run: AnalysisRun | int) -> gpd.GeoDataFrame:
    """The stored cells of a Gi* or emerging run.

    Parameters
    ----------
    run : AnalysisRun or int
        The run or its id.

    Returns
    -------
    geopandas.GeoDataFrame
        cell_id, category, z, p, value and the cell polygon (storage CRS, metres), by cell_id.
    """
    run = _get(run)
    if run.kind not in (AnalysisRun.Kind.GISTAR, AnalysisRun.Kind.EMERGING):
        raise ValueError(f"run must be a Gi* or emerging run, got a {run.kind} run")
    queryset = HotspotCell.objects.filter(run=run).order_by("cell_id")
    cells = frames.frame(queryset, "cell_id", "category", "z", "p", "value")
    return cells.astype({"z": float, "p": float, "value": float})


def load_raster(run: AnalysisRun | int) -> DensityRaster:
    """The heat map raster of a heat map run.

    Parameters
    ----------
    run : AnalysisRun or int
        A heat map run or its id.

    Returns
    -------
    DensityRaster
        Weighted reports per m² on the run's grid (storage CRS, metres; row 0 = north).
    """
    run = _get(run)
    if not run.raster:
        raise ValueError(f"run must have a raster (a heat map run), got a {run.kind} run")
    return read_raster(run.raster.path)


def _get(run: AnalysisRun | int) -> AnalysisRun:
    if isinstance(run, AnalysisRun):
        return run
    found = AnalysisRun.objects.filter(pk=run).first()
    if found is None:
        raise ValueError(f"run must be the id of a stored analysis run, got {run!r}")
    return found


def list_runs(municipality: Municipality, kind: str | None = None) -> pd.DataFrame:
    """Stored runs of a municipality, newest first, as a table for notebooks.

    Parameters
    ----------
    municipality : gis.core.models.Municipality
    kind : str, optional
        "heatmap", "gistar", "emerging" or "prioritise".

    Returns
    -------
    pandas.DataFrame
        id, kind, created_at, created_by (user id), period_start, period_end, data_version,
        params, summary.
    """
    queryset = AnalysisRun.objects.filter(municipality=municipality)
    if kind is not None:
        if kind not in AnalysisRun.Kind.values:
            raise ValueError(
                f"kind must be one of {', '.join(AnalysisRun.Kind.values)}, got {kind!r}"
            )
        queryset = queryset.filter(kind=kind)
    columns = [
        "id",
        "kind",
        "created_at",
        "created_by",
        "period_start",
        "period_end",
        "data_version",
        "params",
        "summary",
    ]
    return pd.DataFrame(list(queryset.values(*columns)), columns=columns)


def compare_runs(before: AnalysisRun | int, after: AnalysisRun | int) -> gpd.GeoDataFrame:
    """Cell-by-cell comparison of two Gi* / emerging runs on the same grid.

    Parameters
    ----------
    before, after : AnalysisRun or int
        Runs with the same grid (same municipality extent and cell size).

    Returns
    -------
    geopandas.GeoDataFrame
        cell_id, category_before, category_after, z_before, z_after, value_before,
        value_after, changed (category differs) and the cell polygon; cells analysed in only
        one run have NaN / None on the other side.
    """
    first, second = _get(before), _get(after)
    if storedjson.value(first.params, "grid") != storedjson.value(second.params, "grid"):
        raise ValueError("after must use the same grid as before (municipality and cell size)")
    a, b = load_cells(first), load_cells(second)
    merged = a.drop(columns="geometry").merge(
        b.drop(columns="geometry"), on="cell_id", how="outer", suffixes=("_before", "_after")
    )
    shapes = pd.concat([a[["cell_id", "geometry"]], b[["cell_id", "geometry"]]])
    shapes = shapes.drop_duplicates("cell_id").set_index("cell_id").geometry
    merged["changed"] = merged["category_before"].ne(merged["category_after"])
    columns = [
        "cell_id",
        "category_before",
        "category_after",
        "z_before",
        "z_after",
        "value_before",
        "value_after",
        "changed",
    ]
    return gpd.GeoDataFrame(
        merged[columns],
        geometry=shapes.reindex(merged["cell_id"]).to_numpy(),
        crs=settings.TRYGG_SRID,
    )

"""Benchmark of the stored runs (``gis.hotspots.runs``) on the demo database.

Usage (from the project root; the demo must be loaded, e.g. ``trygg demo --no-serve``)::

    .venv/bin/python bench/bench_runs.py                    # the embedded `trygg` database
    TRYGG_DB_NAME=other .venv/bin/python bench/bench_runs.py

Each run (selection from the database + engine + storage of the AnalysisRun, its cells or
its COG) is timed inside a transaction that is rolled back (the raster file is deleted), so
the database is left as it was. Reference in the same run, on the same reports:

* heat map: KDEpy ``FFTKDE(kernel="biweight")`` on the run's cell centres (the engine is
  compared with KDEpy in ``bench_heatmap.py``; here the point is the overhead of the run);
* Gi*: esda ``G_Local(star=True, transform="B")`` on the same cell counts and band (the
  libpysal graph build is excluded from esda's time), largest |z| difference printed;
* emerging: ``pymannkendall.original_test`` looped over the cells' Gi* z series (the trend
  part of the analysis), largest |Z| difference printed.
"""

from __future__ import annotations

import time

import numpy as np


def best_of(fn, repeats: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    from gis.notebook import setup

    database = setup()
    import pymannkendall
    from django.db import transaction
    from esda.getisord import G_Local
    from KDEpy import FFTKDE
    from libpysal.graph import Graph

    from gis import frames
    from gis.analysis import grid_distance_weights
    from gis.demo.load import demo_municipality
    from gis.hotspots import runs, stored
    from gis.hotspots.compute import emerging_cells
    from gis.hotspots.cube import aligned_grid, month_edges, space_time_counts, study_mask
    from gis.hotspots.models import AnalysisRun
    from gis.hotspots.selection import select_reports

    municipality = demo_municipality()
    if municipality is None:
        raise SystemExit(f"no demo in database {database}: run `trygg demo --no-serve` first")
    reports = select_reports(municipality)
    print(f"Demo database {database}: {len(reports)} reports, best of 3, rolled back\n")

    with transaction.atomic():
        t_heat, run = best_of(lambda: runs.run_heatmap(municipality))
        raster = stored.load_raster(run)
        xy = reports.get_coordinates().to_numpy()
        xs, ys = raster.cell_centres()
        grid_points = np.stack(np.meshgrid(xs, ys[::-1], indexing="ij"), axis=-1).reshape(-1, 2)
        inside = (
            (xy[:, 0] > xs[0]) & (xy[:, 0] < xs[-1]) & (xy[:, 1] > ys[-1]) & (xy[:, 1] < ys[0])
        )  # KDEpy needs a grid that contains every point
        bw = run.params["bandwidth_m"] / FFTKDE._available_kernels["biweight"].support
        t_kdepy, ref = best_of(
            lambda: FFTKDE(kernel="biweight", bw=bw, norm=2).fit(xy[inside]).evaluate(grid_points)
        )
        ref = np.asarray(ref).reshape(xs.size, ys.size).T[::-1] * inside.sum()
        kde_diff = np.abs(raster.array - ref).max() / ref.max()
        for heat_run in AnalysisRun.objects.filter(municipality=municipality, kind="heatmap"):
            heat_run.raster.delete(save=False)  # the rows go with the rollback
        print(
            f"Heat map run ({raster.shape[0]} x {raster.shape[1]} cells of {raster.cell_size:g} m)"
        )
        print(f"  run_heatmap (select + KDE + COG + row)   {t_heat:6.3f} s")
        print(
            f"  KDEpy FFTKDE on the same grid (KDE only) {t_kdepy:6.3f} s   "
            f"max |d| / peak {kde_diff:.1e} ({(~inside).sum()} of {len(xy)} points off the grid)\n"
        )

        t_gi, run = best_of(lambda: runs.run_gistar(municipality))
        cells = stored.load_cells(run)
        grid = aligned_grid(municipality.boundary.extent, 100.0, max_cells=10**6)
        counts = space_time_counts(grid, xy[:, 0], xy[:, 1], np.zeros(len(xy), int), 1)[0]
        mask = study_mask(
            grid, "network", totals=counts, lines=frames.segments(municipality).geometry
        )
        values = counts[mask]
        weights = grid_distance_weights(grid.rows, grid.cols, 100.0, 150.0)
        keep = np.flatnonzero(mask.ravel())
        graph = Graph.from_sparse(weights[keep][:, keep])
        t_esda, ref = best_of(
            lambda: G_Local(values, graph, transform="B", star=True, permutations=0)
        )
        diff = np.abs(cells["z"].to_numpy() - ref.Zs).max()
        print(f"Gi* run ({len(cells)} cells of 100 m, band 150 m)")
        print(f"  run_gistar (select + Gi* + cells)        {t_gi:6.3f} s")
        print(
            f"  esda G_Local on the same counts (Gi*)    {t_esda:6.3f} s   "
            f"max |z diff| {diff:.1e}\n"
        )

        t_em, run = best_of(lambda: runs.run_emerging(municipality))
        edges = month_edges(run.period_end, 24)
        result = emerging_cells(
            select_reports(municipality, since=edges[0], until=edges[-1]),
            grid,
            edges,
            distance=150.0,
            lines=frames.segments(municipality).geometry,
            time_window=1,
        )
        t_mk, mk = best_of(
            lambda: [
                pymannkendall.original_test(result.z[:, i]).z for i in range(result.z.shape[1])
            ],
            repeats=1,
        )
        mk_diff = np.abs(np.asarray(mk) - result.cells["trend_z"].to_numpy()).max()
        print(f"Emerging hot spot run ({len(result.cells)} cells x 24 months, time window 1)")
        print(f"  run_emerging (select + cube + Gi* + MK + cells) {t_em:6.3f} s")
        print(
            f"  pymannkendall loop on the same z series (MK)    {t_mk:6.3f} s   "
            f"max |Z diff| {mk_diff:.1e}"
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()

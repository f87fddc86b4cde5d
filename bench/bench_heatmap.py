"""Benchmark of the heat map (``gis.analysis.kernel_density``): time and accuracy per grid.

Usage (from the project root)::

    .venv/bin/python bench/bench_heatmap.py              # 1,000,000 points, 2,000 x 2,000 grid
    .venv/bin/python bench/bench_heatmap.py 200000 1000  # n_points, cells per side

Data: a seeded mixture of 12 Gaussian clusters plus 30 % uniform background in a
20 km x 20 km square (metres, EPSG:3006-like), quartic kernel with a 200 m radius.

The same points are run on the grid given (by default 10 m cells, 20 cells per radius) and on
grids of 10 (the default cell size of ``kernel_density``), 6 and 2 cells per radius. On the
last two ``kernel_density`` bins onto 2 x 2 and 5 x 5 sub-cells per cell, so that the radius
spans at least 10 of them; on the others it bins onto the grid itself.

References in the same run, for every grid:

* time: KDEpy ``FFTKDE(kernel="biweight", norm=2)`` on the same cell centres (KDEpy needs an
  equidistant grid containing every point; its ``bw`` is the kernel's standard deviation, so
  ``bw = radius / biweight.support`` gives the same 200 m support). KDEpy bins linearly onto
  the grid itself, which is what ``kernel_density`` did on every grid before sub-cells (so
  KDEpy's error on the coarse grids is the error ``kernel_density`` had there). Both
  are timed best of 3 (building KDEpy's grid-point array is excluded).
* accuracy: the exact quartic sum at every cell centre (:func:`exact_quartic_on_grid`, every
  point added to every cell centre within the radius), checked against the brute-force
  ``quartic_density_exact`` on a sample of cells. The error is the max absolute difference
  relative to the exact peak, after normalising ``kernel_density`` to integrate to 1 (divide
  by the number of points) as KDEpy does.

On the grid given, the two surfaces are also compared with each other: max absolute difference
relative to the peak, and the L1 difference relative to the total.
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np
from KDEpy import FFTKDE
from KDEpy.kernel_funcs import biweight

from gis.analysis.kde import DensityRaster, kernel_density, quartic_density_exact

SIDE_M = 20_000.0
RADIUS_M = 200.0
#: Cells per radius compared besides the grid given: the default cell size and two coarse ones.
CELLS_PER_RADIUS = (10, 6, 2)


def make_points(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Clustered points strictly inside [RADIUS, SIDE - RADIUS]^2 (KDEpy needs them inside)."""
    rng = np.random.default_rng(seed)
    n_bg = int(0.3 * n)
    centres = rng.uniform(2_000, SIDE_M - 2_000, (12, 2))
    which = rng.integers(0, 12, n - n_bg)
    spread = rng.uniform(150, 900, 12)[which]
    x = np.concatenate(
        [centres[which, 0] + rng.normal(0, 1, which.size) * spread, rng.uniform(0, SIDE_M, n_bg)]
    )
    y = np.concatenate(
        [centres[which, 1] + rng.normal(0, 1, which.size) * spread, rng.uniform(0, SIDE_M, n_bg)]
    )
    lo, hi = RADIUS_M + 1, SIDE_M - RADIUS_M - 1
    return np.clip(x, lo, hi), np.clip(y, lo, hi)


def best_of(fn, repeats: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def exact_quartic_on_grid(
    x: np.ndarray, y: np.ndarray, raster: DensityRaster, chunk: int = 10_000
) -> np.ndarray:
    """Exact quartic sum at the raster's cell centres, rows north first (points per m^2).

    Every point is added to the cells of the square of +-ceil(h / cell) around its nearest
    cell centre, with weight ``(1 - d^2 / h^2)^2`` clipped at 0 beyond the radius. Points are
    taken in chunks from north to south; a chunk sums into a window of its rows, widened by
    the reach on every side so that no index leaves it (the points must lie on the grid).
    O(n_points x (h / cell)^2).
    """
    h = raster.params["bandwidth_m"]
    cs = raster.cell_size
    rows, cols = raster.shape
    xs, ys = raster.cell_centres()
    reach = math.ceil(h / cs)
    steps = np.arange(-reach, reach + 1)
    width = cols + 2 * reach
    total = np.zeros((rows, cols))
    north_first = np.argsort(-y, kind="stable")
    for start in range(0, x.size, chunk):
        take = north_first[start : start + chunk]
        fx = (x[take] - xs[0]) / cs  # fractional column of the point
        fy = (ys[0] - y[take]) / cs  # fractional row, north first
        col = np.rint(fx).astype(np.int64)[:, None] + steps[None, :]
        dx2 = ((col - fx[:, None]) * cs / h) ** 2
        row0 = np.rint(fy).astype(np.int64)
        top = int(row0.min()) - reach
        window = np.zeros((int(row0.max()) + reach + 1 - top) * width)
        for di in steps:
            d2 = dx2 + (((row0 + di - fy) * cs / h) ** 2)[:, None]
            cell = (row0 + di - top)[:, None] * width + (col + reach)
            share = np.maximum(1.0 - d2, 0.0) ** 2
            window += np.bincount(cell.ravel(), weights=share.ravel(), minlength=window.size)
        band = window.reshape(-1, width)[:, reach : reach + cols]
        lo, hi = max(top, 0), min(top + band.shape[0], rows)
        total[lo:hi] += band[lo - top : hi - top]
    return total * 3.0 / (math.pi * h * h)


def check_reference(x, y, raster: DensityRaster, exact: np.ndarray, n_cells: int = 400) -> float:
    """Largest difference, relative to the peak, between the grid reference and brute force.

    Checked at the peak cell and ``n_cells`` random cells (seeded).
    """
    rng = np.random.default_rng(7)
    flat = np.concatenate([[np.argmax(exact)], rng.integers(0, exact.size, n_cells)])
    rows, cols = np.unravel_index(flat, exact.shape)
    xs, ys = raster.cell_centres()
    h = raster.params["bandwidth_m"]
    # One cell per chunk, so that only the points within the radius of it are taken.
    brute = quartic_density_exact(x, y, None, xs[cols], ys[rows], h, chunk_size=1)
    return float(np.abs(brute - exact[rows, cols]).max() / exact.max())


def run_grid(x: np.ndarray, y: np.ndarray, cells: int) -> dict[str, object]:
    """Time both methods on a ``cells x cells`` grid and compare them with the exact sum."""
    n = x.size
    t_ours, raster = best_of(
        lambda: kernel_density(
            x,
            y,
            bandwidth=RADIUS_M,
            cell_size=SIDE_M / cells,
            extent=(0.0, 0.0, SIDE_M, SIDE_M),
            crs="EPSG:3006",
        )
    )
    assert raster.shape == (cells, cells)

    xs, ys = raster.cell_centres()
    grid = np.stack(np.meshgrid(xs, ys[::-1], indexing="ij"), axis=-1).reshape(-1, 2)
    data = np.column_stack([x, y])
    bw = RADIUS_M / biweight.support
    t_ref, ref_flat = best_of(
        lambda: FFTKDE(kernel="biweight", bw=bw, norm=2).fit(data).evaluate(grid)
    )
    ref = np.asarray(ref_flat).reshape(cells, cells).T[::-1]  # -> (rows north-first, cols)

    t0 = time.perf_counter()
    exact = exact_quartic_on_grid(x, y, raster) / n
    t_exact = time.perf_counter() - t0
    ours = raster.array / n
    peak = exact.max()
    return {
        "cells": cells,
        "per_radius": RADIUS_M * cells / SIDE_M,
        "subcells": raster.params["subcells_per_cell"],
        "t_ours": t_ours,
        "t_ref": t_ref,
        "t_exact": t_exact,
        "err_ours": float(np.abs(ours - exact).max() / peak),
        "err_ref": float(np.abs(ref - exact).max() / peak),
        "ref_check": check_reference(x, y, raster, exact * n),
        "max_rel": float(np.abs(ours - ref).max() / ref.max()),
        "l1_rel": float(np.abs(ours - ref).sum() / ref.sum()),
    }


def main(n_points: int = 1_000_000, cells: int = 2_000) -> None:
    load_before = os.getloadavg()[0]
    x, y = make_points(n_points)
    grids = [cells] + [round(SIDE_M / (RADIUS_M / r)) for r in CELLS_PER_RADIUS]
    results = [run_grid(x, y, c) for c in dict.fromkeys(grids)]

    print(
        f"Heat map: {n_points:,} points in {SIDE_M / 1000:g} km x {SIDE_M / 1000:g} km, quartic "
        f"radius {RADIUS_M:g} m, best of 3; error = max |surface - exact| / exact peak"
    )
    print(
        f"{'cells/radius':>12}{'grid':>15}{'cell m':>8}{'sub-cells':>10}"
        f"{'ours s':>9}{'KDEpy s':>9}{'ours error':>12}{'KDEpy error':>13}"
    )
    for r in results:
        grid = f"{r['cells']:,} x {r['cells']:,}"
        print(
            f"{r['per_radius']:>12g}{grid:>15}{SIDE_M / r['cells']:>8.3g}"
            f"{r['subcells']:>10}{r['t_ours']:>9.3f}{r['t_ref']:>9.3f}"
            f"{r['err_ours']:>12.2e}{r['err_ref']:>13.2e}"
        )
    first = results[0]
    print(
        f"grid {first['cells']:,} x {first['cells']:,}: speed-up vs KDEpy "
        f"{first['t_ref'] / first['t_ours']:.2f}x; surface difference (normalised): "
        f"max |d| / peak = {first['max_rel']:.2e}, L1 |d| / total = {first['l1_rel']:.2e}"
    )
    print(
        "exact reference: "
        + ", ".join(f"{r['t_exact']:.1f} s" for r in results)
        + "; against brute force on 401 cells, max |d| / peak "
        + f"{max(r['ref_check'] for r in results):.1e}"
    )
    print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)

"""Kernel density: binned FFT surface vs the exact quartic sum, scaling, parameter errors."""

import numpy as np
import pytest

from gis.analysis.kde import (
    kernel_density,
    kernel_values,
    quartic_density_exact,
    suggest_bandwidth,
)


@pytest.fixture(scope="module")
def clustered_points():
    rng = np.random.default_rng(20240501)
    n = 3000
    x = np.concatenate(
        [rng.normal(1200, 90, n // 3), rng.normal(600, 40, n // 3), rng.uniform(0, 2000, n // 3)]
    )
    y = np.concatenate(
        [rng.normal(800, 70, n // 3), rng.normal(1500, 50, n // 3), rng.uniform(0, 2000, n // 3)]
    )
    return x + 674_000.0, y + 6_580_000.0  # SWEREF 99 TM-like coordinates


def _exact_on_grid(raster, x, y, w=None):
    xs, ys = raster.cell_centres()
    gx, gy = np.meshgrid(xs, ys)
    return quartic_density_exact(x, y, w, gx, gy, raster.params["bandwidth_m"])


def test_binned_matches_exact_quartic_within_one_percent_of_peak(clustered_points):
    x, y = clustered_points
    raster = kernel_density(x, y, bandwidth=150.0, cell_size=10.0, crs="EPSG:3006")
    exact = _exact_on_grid(raster, x, y)
    assert raster.array.shape == exact.shape
    assert np.abs(raster.array - exact).max() / exact.max() < 0.01


def test_weighted_surface_matches_exact(clustered_points):
    x, y = clustered_points
    w = np.random.default_rng(3).uniform(0.5, 3.0, x.size)
    raster = kernel_density(x, y, w, bandwidth=200.0, cell_size=20.0)
    exact = _exact_on_grid(raster, x, y, w)
    assert np.abs(raster.array - exact).max() / exact.max() < 0.01
    assert raster.params["weighted"] is True


@pytest.mark.parametrize(
    ("cells_per_radius", "subcells", "weighted"),
    [
        (2, 5, False),
        (2, 5, True),
        (2.5, 4, False),
        (3, 4, False),
        (6, 2, False),
        (6, 2, True),
        (10, 1, False),
        (10, 1, True),
    ],
)
def test_coarse_grids_match_exact_quartic_within_one_percent_of_peak(
    clustered_points, cells_per_radius, subcells, weighted
):
    # Plain linear binning on these grids was off by 11.6 % (2 cells), 6.0 % (3) and 1.7 % (6).
    x, y = clustered_points
    w = np.random.default_rng(3).uniform(0.5, 3.0, x.size) if weighted else None
    raster = kernel_density(x, y, w, bandwidth=150.0, cell_size=150.0 / cells_per_radius)
    assert raster.params["subcells_per_cell"] == subcells
    exact = _exact_on_grid(raster, x, y, w)
    assert np.abs(raster.array - exact).max() / exact.max() <= 0.01


@pytest.mark.parametrize(
    ("cells_per_radius", "subcells"), [(2, 5), (2.5, 4), (3, 4), (6, 2), (1, 10)]
)
def test_points_on_sub_cell_nodes_are_summed_exactly(cells_per_radius, subcells):
    # A point on a sub-cell node has all its mass in one phase: the surface is the exact sum,
    # so a phase binned or shifted wrongly shows at once. One point in every phase.
    cs = 150.0 / cells_per_radius
    a, b = np.meshgrid(np.arange(subcells), np.arange(subcells))
    x = cs * (10.5 + 3 * a.ravel() + a.ravel() / subcells)  # cell centres at (j + 0.5) * cs
    y = cs * (10.5 + 2 * b.ravel() + b.ravel() / subcells)
    raster = kernel_density(x, y, bandwidth=150.0, cell_size=cs, extent=(0, 0, 80 * cs, 80 * cs))
    assert raster.params["subcells_per_cell"] == subcells
    exact = _exact_on_grid(raster, x, y)
    np.testing.assert_allclose(raster.array, exact, rtol=0, atol=1e-9 * exact.max())


def test_default_and_finer_grids_bin_on_the_grid_itself():
    x, y = [0.0, 40.0, 75.0], [0.0, 30.0, 10.0]
    for bandwidth, cell_size, subcells in [
        (200.0, None, 1),
        (200.0, 20.0, 1),
        (150.0, 15.0, 1),
        (150.0, 10.0, 1),
        (150.0, 15.01, 2),
        (0.3, 0.03, 1),
    ]:
        raster = kernel_density(x, y, bandwidth=bandwidth, cell_size=cell_size)
        assert raster.params["subcells_per_cell"] == subcells, (bandwidth, cell_size)


def test_surface_integrates_to_number_of_points(clustered_points):
    x, y = clustered_points
    for kernel in ("quartic", "epanechnikov", "uniform", "triangular"):
        raster = kernel_density(x, y, bandwidth=100.0, cell_size=5.0, kernel=kernel)
        mass = raster.array.sum() * raster.cell_size**2
        assert mass == pytest.approx(x.size, rel=0.01), kernel


def test_row_zero_is_north_and_transform():
    raster = kernel_density(
        [500.0], [900.0], bandwidth=50.0, cell_size=10.0, extent=(0, 0, 1000, 1000)
    )
    assert raster.shape == (100, 100)
    row, col = np.unravel_index(np.argmax(raster.array), raster.shape)
    assert (row, col) in {(9, 49), (9, 50), (10, 49), (10, 50)}
    assert raster.transform.f == 1000.0 and raster.transform.e == -10.0
    assert raster.bounds == (0.0, 0.0, 1000.0, 1000.0)


def test_points_outside_given_extent_still_contribute():
    inside = kernel_density([-30.0], [50.0], bandwidth=60.0, cell_size=5.0, extent=(0, 0, 100, 100))
    assert inside.array.max() > 0
    far = kernel_density(
        [-500.0, 50.0], [50.0, 50.0], bandwidth=60.0, cell_size=5.0, extent=(0, 0, 100, 100)
    )
    near = kernel_density([50.0], [50.0], bandwidth=60.0, cell_size=5.0, extent=(0, 0, 100, 100))
    np.testing.assert_allclose(far.array, near.array, atol=1e-15)


def test_kernel_values_integrate_to_one():
    r = np.linspace(0, 100, 200_001)
    for kernel in ("quartic", "epanechnikov", "uniform", "triangular"):
        integral = np.trapezoid(2 * np.pi * r * kernel_values(r, 100.0, kernel), r)
        assert integral == pytest.approx(1.0, abs=1e-3), kernel
    assert kernel_values(np.array([0.0]), 10.0)[0] == pytest.approx(3 / (np.pi * 100))


def test_suggest_bandwidth_rule_and_clipping(clustered_points):
    x, y = clustered_points
    h = suggest_bandwidth(x, y)
    assert 50.0 <= h <= 2000.0
    xc, yc = x - x.mean(), y - y.mean()
    sd = np.sqrt(np.mean(xc**2 + yc**2))
    dm = np.median(np.hypot(xc, yc))
    expected = 0.9 * min(sd, np.sqrt(1 / np.log(2)) * dm) * x.size**-0.2
    assert h == pytest.approx(expected, rel=1e-3)
    assert suggest_bandwidth([0.0, 0.0], [0.0, 0.0]) == 50.0
    assert suggest_bandwidth(x, y, min_bandwidth=5000, max_bandwidth=6000) == 5000.0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"bandwidth": -5}, "bandwidth"),
        ({"bandwidth": 0}, "bandwidth"),
        ({"cell_size": 0}, "cell_size"),
        ({"cell_size": -1}, "cell_size"),
        ({"bandwidth": 10, "cell_size": 20}, "bandwidth"),
        ({"kernel": "gaussian"}, "kernel"),
        ({"extent": (10, 0, 0, 10)}, "extent"),
        ({"extent": (0, 0, 1)}, "extent"),
        ({"cell_size": 0.01, "max_cells": 1000}, "max_cells"),
        ({"weights": [1.0, 2.0]}, "weights"),
        ({"weights": [1.0, -1.0, 1.0]}, "weights"),
        ({"weights": [0.0, 0.0, 0.0]}, "weights"),
        ({"weights": [1.0, np.nan, 1.0]}, "weights"),
    ],
)
def test_bad_parameters_raise(kwargs, name):
    x, y = [0.0, 10.0, 20.0], [0.0, 5.0, 10.0]
    with pytest.raises(ValueError, match=name):
        kernel_density(x, y, **kwargs)


def test_max_cells_message_names_cell_size():
    with pytest.raises(ValueError, match=r"cell_size 0\.01 m would make \d+ cells.*max_cells"):
        kernel_density([0.0, 100.0], [0.0, 100.0], bandwidth=1.0, cell_size=0.01, max_cells=1000)


@pytest.mark.parametrize(
    ("x", "y"),
    [([], []), ([0.0, np.nan], [0.0, 1.0]), ([0.0, 1.0], [0.0]), ([np.inf], [0.0])],
)
def test_bad_coordinates_raise(x, y):
    with pytest.raises(ValueError, match="x and y"):
        kernel_density(x, y)


def test_exact_evaluator_checks_shapes():
    with pytest.raises(ValueError, match="cell_centres_x"):
        quartic_density_exact([0.0], [0.0], None, np.zeros(3), np.zeros(4), 10.0)
    with pytest.raises(ValueError, match="bandwidth"):
        quartic_density_exact([0.0], [0.0], None, np.zeros(3), np.zeros(3), 0.0)

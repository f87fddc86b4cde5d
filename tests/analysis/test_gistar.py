"""Gi* vs esda G_Local (star, binary), both fast paths; Gi_Bin; permutation inference."""

import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import DistanceBand, lat2W

from gis.analysis.gistar import (
    classify_gi_bin,
    disk_sum,
    gistar_grid,
    gistar_permutation,
    gistar_sparse,
)
from gis.analysis.grids import cell_centres, make_hex_grid, make_square_grid
from gis.analysis.spatial_weights import (
    distance_band_weights,
    grid_contiguity_weights,
    grid_distance_weights,
)

CELL = 100.0
BAND = 250.0  # 2.5 cells: 21 neighbours incl. self in the interior


@pytest.fixture(scope="module")
def counts():
    """60 x 60 Poisson counts with a planted cluster (north-up grid)."""
    rng = np.random.default_rng(7)
    grid = rng.poisson(1.5, (60, 60)).astype(float)
    grid[18:26, 30:40] += rng.poisson(5.0, (8, 10))
    return grid


@pytest.fixture(scope="module")
def esda_ref(counts):
    grid = make_square_grid((0, 0, 60 * CELL, 60 * CELL), CELL)
    x, y = cell_centres(grid)
    w = DistanceBand(np.column_stack([x, y]), threshold=BAND, binary=True)
    return G_Local(counts.ravel(), w, transform="B", star=True, permutations=0)


def test_convolution_path_equals_esda(counts, esda_ref):
    res = gistar_grid(counts, CELL, BAND)
    assert res.z.shape == counts.shape
    np.testing.assert_allclose(res.z.ravel(), esda_ref.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.gi.ravel(), esda_ref.Gs, rtol=1e-12)
    np.testing.assert_allclose(res.p.ravel(), 2 * esda_ref.p_norm, rtol=0, atol=1e-12)
    # Edge cells have fewer neighbours, like esda's cardinalities (+1 for self).
    assert res.n_neighbours[0, 0] == 8 and res.n_neighbours[30, 30] == 21
    assert res.z[18:26, 30:40].mean() > 3


def test_sparse_path_equals_esda(counts, esda_ref):
    grid = make_square_grid((0, 0, 60 * CELL, 60 * CELL), CELL)
    w = distance_band_weights(*cell_centres(grid), BAND)
    res = gistar_sparse(counts.ravel(), w)
    np.testing.assert_allclose(res.z, esda_ref.Zs, rtol=0, atol=1e-9)
    assert (grid_distance_weights(60, 60, CELL, BAND) != w).nnz == 0


@pytest.mark.parametrize("orientation", ["pointy", "flat"])
def test_hex_sparse_path_equals_esda(orientation):
    rng = np.random.default_rng(5)
    grid = make_hex_grid((0, 0, 4000, 3000), 150.0, orientation=orientation)
    x, y = cell_centres(grid)
    values = rng.poisson(2.0, grid.n_cells).astype(float)
    values[np.hypot(x - 2500, y - 1200) < 500] += 6
    band = 2.1 * 150.0
    ref = G_Local(
        values,
        DistanceBand(np.column_stack([x, y]), band, binary=True),
        transform="B",
        star=True,
        permutations=0,
    )
    res = gistar_sparse(values, distance_band_weights(x, y, band))
    np.testing.assert_allclose(res.z, ref.Zs, rtol=0, atol=1e-9)


@pytest.mark.parametrize("rook", [True, False])
def test_contiguity_weights_equal_libpysal_and_esda(counts, rook):
    lw = lat2W(60, 60, rook=rook)
    ours = grid_contiguity_weights(60, 60, "rook" if rook else "queen")
    assert (ours != lw.sparse).nnz == 0
    ref = G_Local(counts.ravel(), lw, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(gistar_sparse(counts.ravel(), ours).z, ref.Zs, atol=1e-9)
    # Queen contiguity is the 1.5-cell distance band on a square grid.
    if not rook:
        conv = gistar_grid(counts, CELL, 1.5 * CELL)
        np.testing.assert_allclose(conv.z.ravel(), ref.Zs, atol=1e-9)


def test_mask_equals_sparse_on_the_subset(counts):
    mask = np.ones(counts.shape, dtype=bool)
    mask[:, :12] = False  # e.g. sea
    mask[40:, 50:] = False
    res = gistar_grid(counts, CELL, BAND, mask=mask)
    assert np.isnan(res.z[~mask]).all() and (res.n_neighbours[~mask] == 0).all()
    full = grid_distance_weights(60, 60, CELL, BAND)
    keep = np.flatnonzero(mask.ravel())
    sub = gistar_sparse(counts.ravel()[keep], full[keep][:, keep])
    np.testing.assert_allclose(res.z[mask], sub.z, atol=1e-9)


def test_disk_sum_matches_direct_sum():
    rng = np.random.default_rng(1)
    a = rng.random((13, 17))
    out = disk_sum(a, 10.0, 22.0)
    rr, cc = np.mgrid[0:13, 0:17]
    for r, c in [(0, 0), (6, 8), (12, 16), (3, 15)]:
        inside = np.hypot(rr - r, cc - c) * 10.0 <= 22.0
        assert out[r, c] == pytest.approx(a[inside].sum())


def test_gi_bin_levels_and_fdr():
    z = np.array([3.0, 2.2, 1.7, 0.5, -1.7, -2.2, -3.0, np.nan])
    p = np.array([0.002, 0.03, 0.08, 0.6, 0.08, 0.03, 0.002, np.nan])
    np.testing.assert_array_equal(classify_gi_bin(z, p), [3, 2, 1, 0, -1, -2, -3, 0])
    # BH over the 7 finite p-values: at 0.01 the largest k with p_(k) <= k/7 * 0.01 is 2
    # (0.002 <= 0.0029); at 0.05 also 2 (0.03 > 3/7 * 0.05); at 0.10 it is 6 (0.08 <= 0.086).
    fdr = classify_gi_bin(z, p, fdr=True)
    np.testing.assert_array_equal(fdr, [3, 1, 1, 0, -1, -1, -3, 0])


def test_result_bins_match_classifier(counts):
    res = gistar_grid(counts, CELL, BAND)
    np.testing.assert_array_equal(res.gi_bin, classify_gi_bin(res.z, res.p))
    assert res.gi_bin.max() == 3


def test_permutation_inference_is_seeded_and_sensible(counts):
    w = grid_distance_weights(60, 60, CELL, BAND)
    values = counts.ravel()
    a = gistar_permutation(values, w, n_permutations=99, seed=3)
    b = gistar_permutation(values, w, n_permutations=99, seed=3)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert a.p_sim.min() == pytest.approx(1 / 100) and a.p_sim.max() <= 0.5 + 1e-12
    analytic = gistar_sparse(values, w).z
    assert np.corrcoef(a.z_sim, analytic)[0, 1] > 0.98
    cluster = np.zeros((60, 60), bool)
    cluster[19:25, 31:39] = True
    assert np.median(a.p_sim[cluster.ravel()]) == pytest.approx(0.01)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda v: gistar_grid(v, 0, 250.0), "cell_size"),
        (lambda v: gistar_grid(v, 100.0, -1.0), "distance"),
        (lambda v: gistar_grid(v, 100.0, 50.0), "distance"),
        (lambda v: gistar_grid(v, 100.0, 1e6), "distance"),
        (lambda v: gistar_grid(v.ravel(), 100.0, 250.0), "values"),
        (lambda v: gistar_grid(np.ones((5, 5)), 100.0, 150.0), "values"),
        (lambda v: gistar_grid(v, 100.0, 250.0, mask=np.ones((2, 2), bool)), "mask"),
        (lambda v: gistar_sparse(v.ravel(), grid_contiguity_weights(5, 5)), "weights"),
        (lambda v: gistar_sparse(v.ravel(), np.eye(v.size)), "weights"),
        (
            lambda v: gistar_permutation(
                v.ravel(), grid_contiguity_weights(60, 60), n_permutations=0
            ),
            "n_permutations",
        ),
        (lambda v: classify_gi_bin(np.zeros(3), np.zeros(4)), "z and p"),
        (lambda v: grid_contiguity_weights(3, 3, "bishop"), "kind"),
        (lambda v: distance_band_weights([0.0], [0.0], 0.0), "distance"),
    ],
)
def test_bad_parameters_raise(counts, call, name):
    with pytest.raises(ValueError, match=name):
        call(counts)


def test_nan_values_raise(counts):
    bad = counts.copy()
    bad[3, 3] = np.nan
    with pytest.raises(ValueError, match="values"):
        gistar_grid(bad, CELL, BAND)
    with pytest.raises(ValueError, match="values"):
        gistar_sparse(bad.ravel(), grid_contiguity_weights(60, 60))

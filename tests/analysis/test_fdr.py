"""Benjamini-Hochberg against statsmodels multipletests(method="fdr_bh")."""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from gis.analysis.fdr import fdr_bh


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.10])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_statsmodels(alpha, seed):
    rng = np.random.default_rng(seed)
    # Mixture of nulls (uniform) and signals (tiny p), with exact ties.
    p = np.concatenate([rng.uniform(size=400), rng.beta(0.2, 40, size=100), [0.01] * 5])
    rng.shuffle(p)
    reject, adjusted, _, _ = multipletests(p, alpha=alpha, method="fdr_bh")
    res = fdr_bh(p, alpha)
    np.testing.assert_array_equal(res.reject, reject)
    np.testing.assert_allclose(res.p_adjusted, adjusted, rtol=0, atol=1e-12)
    assert res.reject.any()
    assert res.p_critical == p[reject].max()
    np.testing.assert_array_equal(res.reject, p <= res.p_critical)


def test_nan_and_shape_preserved():
    p = np.array([[0.001, np.nan], [0.5, 0.02]])
    res = fdr_bh(p, 0.05)
    assert res.reject.shape == (2, 2)
    ref = multipletests([0.001, 0.5, 0.02], alpha=0.05, method="fdr_bh")
    np.testing.assert_array_equal(res.reject[~np.isnan(p)], ref[0])
    np.testing.assert_allclose(res.p_adjusted[~np.isnan(p)], ref[1])
    assert np.isnan(res.p_adjusted[0, 1]) and not res.reject[0, 1]


def test_nothing_rejected():
    res = fdr_bh([0.5, 0.9, 0.3], 0.05)
    assert not res.reject.any() and res.p_critical == 0.0


@pytest.mark.parametrize(
    ("p", "alpha", "name"),
    [
        ([0.1], 0.0, "alpha"),
        ([0.1], 1.5, "alpha"),
        ([1.2], 0.05, "p must"),
        ([-0.1], 0.05, "p must"),
    ],
)
def test_bad_parameters_raise(p, alpha, name):
    with pytest.raises(ValueError, match=name):
        fdr_bh(p, alpha)

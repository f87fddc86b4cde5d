"""Vectorised Mann-Kendall against pymannkendall.original_test."""

import numpy as np
import pymannkendall as pmk
import pytest

from gis.analysis.mannkendall import mann_kendall

TRENDS = {"increasing": 1, "decreasing": -1, "no trend": 0}


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(99)
    continuous = rng.normal(size=(60, 24))
    continuous[:20] += np.linspace(0, 2.5, 24)  # upward trends
    continuous[20:30] -= np.linspace(0, 2.5, 24)  # downward trends
    ties = rng.integers(0, 4, size=(60, 24)).astype(float)  # heavy ties
    ties[:15] += np.repeat(np.arange(6), 4)  # tied plateaus with a trend
    constant = np.full((2, 24), 3.0)
    return np.vstack([continuous, ties, constant])


def test_equals_pymannkendall(series):
    res = mann_kendall(series, alpha=0.05)
    for i, row in enumerate(series):
        ref = pmk.original_test(row, alpha=0.05)
        assert res.s[i] == pytest.approx(ref.s, abs=1e-9)
        assert res.var_s[i] == pytest.approx(ref.var_s, abs=1e-9)
        assert res.z[i] == pytest.approx(ref.z, abs=1e-9)
        assert res.p[i] == pytest.approx(ref.p, abs=1e-9)
        assert res.tau[i] == pytest.approx(ref.Tau, abs=1e-12)
        assert res.trend[i] == TRENDS[ref.trend]
    assert (res.trend == 1).sum() >= 20 and (res.trend == -1).sum() >= 10


def test_chunking_and_single_series(series):
    whole = mann_kendall(series)
    chunked = mann_kendall(series, chunk_size=7)
    np.testing.assert_array_equal(whole.s, chunked.s)
    one = mann_kendall(series[3])
    assert one.s[0] == whole.s[3] and one.var_s[0] == whole.var_s[3]


@pytest.mark.parametrize(
    ("data", "kwargs", "name"),
    [
        (np.zeros((3, 2)), {}, "at least 3 time steps"),
        (np.array([[1.0, np.nan, 2.0, 3.0]]), {}, "finite"),
        (np.zeros((2, 2, 5)), {}, "series"),
        (np.arange(10.0), {"alpha": 0.0}, "alpha"),
    ],
)
def test_bad_parameters_raise(data, kwargs, name):
    with pytest.raises(ValueError, match=name):
        mann_kendall(data, **kwargs)

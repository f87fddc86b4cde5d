"""Risk Terrain Modeling count model."""

import numpy as np
import pandas as pd
import pytest

from gis.priority.risk import RISK_COLUMNS, fit_risk_terrain, overdispersion_test


def _simulate(n, seed, rr_dark=2.0, nb_alpha=None):
    rng = np.random.default_rng(seed)
    length = rng.uniform(50, 200, n)
    x = pd.DataFrame(
        {
            "under_lit": rng.random(n) < 0.3,
            "vegetation": rng.random(n) < 0.2,
            "camera_coverage": rng.random(n),
            "log_footfall": rng.normal(-2, 1, n),
        }
    ).astype(float)
    eta = (
        np.log(0.01)
        + np.log(rr_dark) * x["under_lit"]
        + np.log(1.5) * x["vegetation"]
        - 0.5 * x["camera_coverage"]
        + 0.3 * x["log_footfall"]
    )
    mu = length * np.exp(eta)
    if nb_alpha:
        mu = mu * rng.gamma(1 / nb_alpha, nb_alpha, n)
    return rng.poisson(mu), x, length


def test_recovers_planted_relative_risk_with_poisson():
    y, x, length = _simulate(3000, seed=7)
    risk = fit_risk_terrain(y, x, length).set_index("covariate")
    assert list(risk.reset_index().columns) == list(RISK_COLUMNS)
    assert risk.attrs["model"] == "poisson"
    dark = risk.loc["under_lit"]
    assert dark["ci_low"] < 2.0 < dark["ci_high"]
    assert dark["relative_risk"] == pytest.approx(2.0, rel=0.1)
    assert dark["p_value"] < 1e-6
    assert risk.loc["vegetation", "relative_risk"] == pytest.approx(1.5, rel=0.15)
    assert risk.loc["camera_coverage", "relative_risk"] == pytest.approx(np.exp(-0.5), rel=0.2)


def test_overdispersed_counts_switch_to_negative_binomial():
    y, x, length = _simulate(3000, seed=11, nb_alpha=1.0)
    risk = fit_risk_terrain(y, x, length).set_index("covariate")
    assert risk.attrs["model"] == "negative_binomial"
    assert risk.attrs["dispersion_p"] < 0.05
    assert risk.attrs["dispersion_alpha_hat"] == pytest.approx(1.0, rel=0.35)
    assert risk.loc["under_lit", "ci_low"] < 2.0 < risk.loc["under_lit", "ci_high"]


def test_dispersion_test_on_poisson_data_is_not_significant():
    rng = np.random.default_rng(2)
    mu = rng.uniform(1, 5, 4000)
    _, _, p = overdispersion_test(rng.poisson(mu), mu)
    assert p > 0.05


def test_constant_covariate_is_dropped_and_said_so():
    y, x, length = _simulate(800, seed=3)
    x["camera_coverage"] = 0.0
    risk = fit_risk_terrain(y, x, length).set_index("covariate")
    assert np.isnan(risk.loc["camera_coverage", "relative_risk"])
    assert risk.loc["camera_coverage", "note"] == "dropped: constant covariate"
    assert np.isfinite(risk.loc["under_lit", "relative_risk"])


def test_no_reports_is_not_estimable_with_a_note():
    _, x, length = _simulate(50, seed=3)
    risk = fit_risk_terrain(np.zeros(50), x, length)
    assert risk["relative_risk"].isna().all()
    assert risk["note"].str.contains("not estimable").all()
    assert risk.attrs["model"] == "none"


def test_bad_parameters():
    y, x, length = _simulate(50, seed=3)
    with pytest.raises(ValueError, match="ci_level"):
        fit_risk_terrain(y, x, length, ci_level=1.5)
    with pytest.raises(ValueError, match="same length"):
        fit_risk_terrain(y[:10], x, length)
    with pytest.raises(ValueError, match="mu"):
        overdispersion_test(np.ones(3), np.zeros(3))

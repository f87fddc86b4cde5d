"""Risk Terrain Modeling: a count model of evening/night reports per segment.

``E[y_i] = length_i * exp(b0 + sum_j b_j x_ij)`` (offset ``log(length_m)``), fitted with a
statsmodels Poisson GLM. Overdispersion is tested with the Cameron & Trivedi (1990) auxiliary
regression ``((y - mu)^2 - y) / mu = alpha * mu + e`` (one-sided t-test of alpha > 0); when it is
significant at ``dispersion_alpha`` the model is refitted as a negative-binomial (NB2) GLM with
that ``alpha``. Relative risks are ``exp(b_j)`` with Wald confidence intervals and p-values.

Covariates that are constant (or add no rank to the design) are dropped and listed with a note;
when no model can be estimated (no reports, too few segments) every row says why, with NaN
numbers — never a silent empty frame.
"""

from __future__ import annotations

import warnings

from gis.core.lazy import lazy_attribute, lazy_module

np = lazy_module("numpy")
pd = lazy_module("pandas")
sm = lazy_module("statsmodels.api")
stats = lazy_attribute("scipy", "stats")

RISK_COLUMNS = (
    "covariate",
    "coef",
    "relative_risk",
    "ci_low",
    "ci_high",
    "p_value",
    "model",
    "n",
    "note",
)


def overdispersion_test(y: np.ndarray, mu: np.ndarray) -> tuple[float, float, float]:
    """Cameron-Trivedi test of Poisson overdispersion (NB2 alternative).

    Parameters
    ----------
    y : ndarray
        Observed counts.
    mu : ndarray
        Fitted Poisson means (> 0).

    Returns
    -------
    (alpha, t, p)
        NB2 dispersion estimate, its t statistic, one-sided p-value of alpha > 0.
    """
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    if len(y) != len(mu) or len(y) < 2:
        raise ValueError("y and mu must have the same length >= 2")
    if np.any(mu <= 0):
        raise ValueError("mu must be > 0")
    aux = ((y - mu) ** 2 - y) / mu
    fit = sm.OLS(aux, mu).fit()
    alpha, t = float(fit.params[0]), float(fit.tvalues[0])
    return alpha, t, float(stats.t.sf(t, df=len(y) - 1))


def fit_risk_terrain(
    counts: np.ndarray | pd.Series,
    covariates: pd.DataFrame,
    exposure_m: np.ndarray | pd.Series,
    *,
    ci_level: float = 0.95,
    dispersion_alpha: float = 0.05,
) -> pd.DataFrame:
    """Relative risks of reports for each covariate (see module docstring).

    Parameters
    ----------
    counts : array-like
        Evening/night reports per segment (may be fractional shares).
    covariates : DataFrame
        One column per risk factor, rows aligned with ``counts``.
    exposure_m : array-like
        Segment lengths in metres (offset ``log(exposure_m)``); rows with length <= 0 are left
        out.
    ci_level : float
        Confidence level of the intervals, in (0, 1).
    dispersion_alpha : float
        Significance level of the overdispersion test, in (0, 1).

    Returns
    -------
    DataFrame
        ``RISK_COLUMNS``, one row per covariate (dropped ones included with a note);
        ``attrs`` holds model, dispersion_alpha_hat, dispersion_p, intercept, n.
    """
    for name, value in (("ci_level", ci_level), ("dispersion_alpha", dispersion_alpha)):
        if not 0 < value < 1:
            raise ValueError(f"{name} must be in (0, 1), got {value}")
    y = np.asarray(counts, dtype=float)
    expo = np.asarray(exposure_m, dtype=float)
    x = covariates.astype(float)
    if not (len(y) == len(expo) == len(x)):
        raise ValueError("counts, covariates and exposure_m must have the same length")
    ok = np.isfinite(y) & np.isfinite(expo) & (expo > 0) & np.isfinite(x.to_numpy()).all(axis=1)
    y, expo, x = y[ok], expo[ok], x.loc[ok].reset_index(drop=True)
    notes = {c: "" for c in x.columns}
    keep: list[str] = []
    for c in x.columns:
        col = x[c].to_numpy()
        if len(col) == 0 or np.ptp(col) == 0:
            notes[c] = "dropped: constant covariate"
            continue
        design = np.column_stack([np.ones(len(y)), x[[*keep, c]].to_numpy()])
        if np.linalg.matrix_rank(design) < design.shape[1]:
            notes[c] = "dropped: collinear with other covariates"
            continue
        keep.append(c)
    n = len(y)
    reason = ""
    if n == 0 or y.sum() <= 0:
        reason = "not estimable: no evening/night reports"
    elif n < len(keep) + 3:
        reason = f"not estimable: {n} segments for {len(keep)} covariates"
    if reason:
        return _frame(x.columns, notes, {}, "none", n, reason, attrs={"model": "none", "n": n})
    exog = sm.add_constant(x[keep].to_numpy(), has_constant="add")
    offset = np.log(expo)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        res = sm.GLM(y, exog, family=sm.families.Poisson(), offset=offset).fit()
        model = "poisson"
        alpha_hat, _, p_disp = overdispersion_test(y, res.fittedvalues)
        if p_disp < dispersion_alpha and alpha_hat > 0:
            family = sm.families.NegativeBinomial(alpha=alpha_hat)
            res = sm.GLM(y, exog, family=family, offset=offset).fit()
            model = "negative_binomial"
    caught = sorted({f"{w.category.__name__}: {w.message}" for w in record})
    ci = np.asarray(res.conf_int(alpha=1 - ci_level))
    params = np.asarray(res.params)
    pvals = np.asarray(res.pvalues)
    fitted = {
        c: (params[i + 1], ci[i + 1, 0], ci[i + 1, 1], pvals[i + 1]) for i, c in enumerate(keep)
    }
    warning_note = ("warning: " + "; ".join(caught)) if caught else ""
    attrs = {
        "model": model,
        "n": n,
        "dispersion_alpha_hat": alpha_hat,
        "dispersion_p": p_disp,
        "intercept": float(params[0]),
        "warnings": caught,
    }
    return _frame(x.columns, notes, fitted, model, n, warning_note, attrs=attrs)


def _frame(columns, notes, fitted, model, n, extra_note, *, attrs) -> pd.DataFrame:
    rows = []
    for c in columns:
        coef, lo, hi, p = fitted.get(c, (np.nan, np.nan, np.nan, np.nan))
        with np.errstate(over="ignore"):  # separated covariates: CI bounds of inf are honest
            rr, rr_lo, rr_hi = np.exp(coef), np.exp(lo), np.exp(hi)
        note = "; ".join(
            s for s in (notes[c], extra_note if c in fitted or not notes[c] else "") if s
        )
        rows.append(
            {
                "covariate": c,
                "coef": coef,
                "relative_risk": rr,
                "ci_low": rr_lo,
                "ci_high": rr_hi,
                "p_value": p,
                "model": model if c in fitted else "none",
                "n": n,
                "note": note,
            }
        )
    out = pd.DataFrame(rows, columns=list(RISK_COLUMNS))
    out.attrs.update(attrs)
    return out

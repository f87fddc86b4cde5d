"""The ratio of two rate ratios with its 95 % interval: how a place changed against how its
comparison changed (a difference-in-differences on the log scale).

One definition for the follow-up of presence visits (:mod:`gis.analysis.visit_effect`) and of
presence measures (:mod:`gis.priority.presence_followup`). Pure Python.
"""

from __future__ import annotations

import math

#: The normal quantile of a two-sided 95 % interval.
Z95 = 1.959963984540054


def ratio_of_rate_ratios(
    a: int, n1: float, b: int, n0: float, c: int, n2: float, d: int, n3: float
) -> tuple[float, float, float]:
    """``((a/n1) / (b/n0)) / ((c/n2) / (d/n3))`` for counts ``a … d`` over exposures
    ``n1 … n3`` (windows, weeks), with its 95 % Wald interval on the log scale,
    ``exp(log RR ± Z95 · sqrt(1/a + 1/b + 1/c + 1/d))``. Every count must be positive."""
    ratio = (a / n1) / (b / n0) / ((c / n2) / (d / n3))
    spread = Z95 * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return ratio, ratio * math.exp(-spread), ratio * math.exp(spread)

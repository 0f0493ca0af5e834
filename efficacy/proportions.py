"""Proportions with the Clopper–Pearson exact interval (docs/spec/endpoints.md, "Proportions").

Every rate in the endpoint report (DLT rate, ORR, MRD-ORR, HSCT) is ``k`` patients out of ``n`` with
an exact two-sided interval (Clopper & Pearson 1934, Biometrika 26:404–413): the set of binomial
proportions not rejected by either one-sided test at level (1 − confidence)/2.  Written as Beta
quantiles, with α = 1 − confidence:

    ci_low  = B⁻¹(α/2;     k,     n − k + 1)     and 0 when k = 0
    ci_high = B⁻¹(1 − α/2; k + 1, n − k)         and 1 when k = n

The Beta-quantile form is used (scipy's ``beta.ppf``) rather than ``binomtest().proportion_ci``:
the two agree to ~1e-12, but the latter finds each end by root-finding and is ~20 times slower.
The ends are set to exactly 0 and 1 by the spec, not left to the quantile function.

Pure: imports nothing from Django.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from scipy.stats import beta


@dataclass(frozen=True)
class Proportion:
    """``k`` of ``n`` patients, with the exact interval; rate and interval are None when n is 0."""

    n: int
    k: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None

    def as_dict(self) -> dict:
        return {
            "n": self.n,
            "k": self.k,
            "rate": self.rate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> Proportion:
    """The proportion ``k/n`` with its Clopper–Pearson exact two-sided interval.

    0/n gives ci_low exactly 0.0 and n/n gives ci_high exactly 1.0; n = 0 gives rate and interval
    None (there is nobody to estimate from, which the report shows as null).
    """
    try:
        # operator.index accepts Python and numpy integers but not 2.0 or "2": counts of
        # patients that arrive as floats mean a bug upstream, not something to round away.
        k, n = operator.index(k), operator.index(n)
    except TypeError:
        raise TypeError(f"k and n must be integers, got k={k!r}, n={n!r}") from None
    if n < 0:
        raise ValueError(f"n must be >= 0, got n={n}")
    if k < 0 or k > n:
        raise ValueError(f"k must be between 0 and n, got k={k}, n={n}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")

    if n == 0:
        return Proportion(n=0, k=0, rate=None, ci_low=None, ci_high=None)

    tail = (1.0 - confidence) / 2.0
    ci_low = 0.0 if k == 0 else float(beta.ppf(tail, k, n - k + 1))
    ci_high = 1.0 if k == n else float(beta.ppf(1.0 - tail, k + 1, n - k))
    return Proportion(n=n, k=k, rate=k / n, ci_low=ci_low, ci_high=ci_high)

"""Non-compartmental PK of CAR-T expansion (endpoints.md, "Pharmacokinetics").

One patient, one analyte (CAR copies/µg gDNA by qPCR, or CAR-T cells/µL by flow); times are days
since the first infusion. Below-LLOQ (BLQ) samples follow PKNCA's default `conc.blq`
(first = "keep", middle = "drop", last = "keep"; Denney et al., PKNCA, `clean.conc.blq`): BLQ
before the first quantifiable sample count as 0, and so does a missing day-0 value (the curve
starts at (0, 0)); BLQ between quantifiable samples are left out; BLQ after the last quantifiable
sample count as 0. As in PKNCA, a reported value of 0 is BLQ, and the first/middle/last split of
AUC0–28 is made among the samples of days 0…28 (PKNCA cleans each interval's own samples).

- Cmax: the highest quantified value; Tmax: its time, the first on ties.
- AUC0–28: linear trapezoidal rule, Σ (t[i+1] − t[i]) · (c[i] + c[i+1]) / 2, over the samples on
  days 0…28. Without a sample at exactly day 28 the curve is not extrapolated: the area runs to
  the last sample ≤ 28 and `auc_0_28_partial` is True. None when nothing lies after day 0.
- Tlast / Clast: time and value of the last quantifiable sample.

Conventions where the spec is silent:
- A sample with no value that is not flagged BLQ (value None or NaN) is missing: ignored, as
  PKNCA's default `conc.na = "drop"` does. A BLQ flag wins over any value it carries.
- Samples before day 0 (a pre-infusion draw) are left out of every parameter: PKNCA's interval
  starts at the dose, and the missing-day-0 rule already supplies the curve's start.
- Input order does not matter (sorted by time). Samples sharing a time (replicates, a double
  entry) become one: the mean of their quantified values, or BLQ if none was quantified.
- A negative value or a non-finite time is an error, not something to guess about.

Per-dose-level summaries (`summarize`): median and range of Cmax, Tmax and AUC0–28; geometric
mean exp(mean(ln x)) and geometric CV% = √(exp(s²) − 1) · 100, s the sample SD (n − 1) of ln x,
of Cmax and AUC0–28. AUC summaries leave out partial AUCs.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

import numpy as np
from scipy.stats import gmean

AUC_END_DAY = 28.0


class PkPoint(NamedTuple):
    """One sample: days since infusion, the measured value (None if not measured), BLQ flag.

    A named tuple: a whole trial builds one per sample and analyte on every recompute."""

    time_days: float
    value: float | None
    below_lloq: bool


@dataclass(frozen=True)
class NcaResult:
    """Parameters of one patient's curve; times in days, values in the analyte's unit."""

    cmax: float
    tmax: float
    auc_0_28: float | None
    auc_0_28_partial: bool
    tlast: float
    clast: float


def nca(points: Sequence[PkPoint]) -> NcaResult | None:
    """Cmax, Tmax, AUC0–28, Tlast and Clast of one curve; None without a quantifiable sample."""
    profile = _profile(points)
    quantified = [(time, value) for time, value in profile if value is not None]
    if not quantified:
        return None
    # max() keeps the first of equal values, which is Tmax's "first on ties".
    tmax, cmax = max(quantified, key=lambda sample: sample[1])
    tlast, clast = quantified[-1]
    auc, partial = _auc_0_28(profile)
    return NcaResult(cmax=cmax, tmax=tmax, auc_0_28=auc, auc_0_28_partial=partial,
                     tlast=tlast, clast=clast)


def summarize(results: Sequence[NcaResult | None]) -> dict:
    """Summary of one dose level; None results (no quantifiable sample) are not counted in n.

    Geometric statistics are None when any value is ≤ 0 (ln undefined; dropping zeros would
    silently raise the mean) and the geometric CV also when fewer than two values remain.
    `auc_0_28_n` is the number of complete (not partial) AUCs behind the AUC summaries.
    """
    present = [result for result in results if result is not None]
    cmax = [result.cmax for result in present]
    tmax = [result.tmax for result in present]
    auc = [result.auc_0_28 for result in present
           if result.auc_0_28 is not None and not result.auc_0_28_partial]
    return {
        "n": len(present),
        **_median_range("cmax", cmax),
        "cmax_geomean": _geomean(cmax),
        "cmax_geocv_pct": _geocv_pct(cmax),
        **_median_range("tmax", tmax),
        "auc_0_28_n": len(auc),
        **_median_range("auc_0_28", auc),
        "auc_0_28_geomean": _geomean(auc),
        "auc_0_28_geocv_pct": _geocv_pct(auc),
    }


def _profile(points: Sequence[PkPoint]) -> list[tuple[float, float | None]]:
    """(time, value) sorted by time, one per time from day 0 on; value None means BLQ."""
    usable = []
    for time, value, below_lloq in points:
        if not math.isfinite(time):
            raise ValueError(f"sample time must be a finite number of days, got {time}")
        is_missing = value is None or math.isnan(value)
        if not below_lloq and not is_missing and value < 0:
            raise ValueError(f"a measured value cannot be negative, got {value} on day {time}")
        if time < 0 or (is_missing and not below_lloq):
            continue
        # PKNCA reads a 0 as below the limit of quantification.
        quantified = not below_lloq and value > 0
        usable.append((float(time), float(value) if quantified else None))
    usable.sort(key=itemgetter(0))  # stable; already in order as the loader reads them
    profile, i = [], 0
    while i < len(usable):
        time, end = usable[i][0], i + 1
        while end < len(usable) and usable[end][0] == time:
            end += 1
        if end == i + 1:
            profile.append(usable[i])
        else:  # samples sharing a time: the mean of the quantified ones, or BLQ
            values = [value for _, value in usable[i:end] if value is not None]
            # math.fsum, not numpy: called per sample time, numpy's call overhead dominated.
            profile.append((time, math.fsum(values) / len(values) if values else None))
        i = end
    return profile


def _auc_0_28(profile: list[tuple[float, float | None]]) -> tuple[float | None, bool]:
    """(AUC0–28, partial) by the linear trapezoidal rule after PKNCA's BLQ rules."""
    window = [(time, value) for time, value in profile if time <= AUC_END_DAY]
    quantified_times = [time for time, value in window if value is not None]
    first = quantified_times[0] if quantified_times else math.inf
    last = quantified_times[-1] if quantified_times else -math.inf
    # BLQ before the first and after the last quantified sample count as 0; between, left out.
    curve = [(time, 0.0 if value is None else value) for time, value in window
             if value is not None or not first < time < last]
    if not curve or curve[0][0] > 0:
        curve.insert(0, (0.0, 0.0))
    partial = curve[-1][0] != AUC_END_DAY
    if len(curve) < 2:
        return None, partial
    # The linear trapezoidal rule, summed in plain Python: a handful of points per patient.
    area = math.fsum((t1 - t0) * (v0 + v1) / 2
                     for (t0, v0), (t1, v1) in zip(curve, curve[1:], strict=False))
    return area, partial


def _median_range(name: str, values: list[float]) -> dict:
    if not values:
        return {f"{name}_median": None, f"{name}_min": None, f"{name}_max": None}
    return {f"{name}_median": float(np.median(values)), f"{name}_min": float(min(values)),
            f"{name}_max": float(max(values))}


def _geomean(values: list[float]) -> float | None:
    if not values or min(values) <= 0:
        return None
    return float(gmean(values))


def _geocv_pct(values: list[float]) -> float | None:
    if len(values) < 2 or min(values) <= 0:
        return None
    log_sd = float(np.std(np.log(values), ddof=1))
    return math.sqrt(math.expm1(log_sd**2)) * 100

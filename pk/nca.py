"""Non-compartmental PK of CAR-T expansion (docs/spec/endpoints.md, "Pharmacokinetics").

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

`nca` reads one curve; `nca_of_curves` reads all of a trial's curves at once as numpy columns
(a recompute has one per patient and analyte). They are one implementation, checked in the
tests against a plain point-by-point reading of the rules above.

Per-dose-level summaries (`summarize`): median and range of Cmax, Tmax and AUC0–28; geometric
mean exp(mean(ln x)) and geometric CV% = √(exp(s²) − 1) · 100, s the sample SD (n − 1) of ln x,
of Cmax and AUC0–28. AUC summaries leave out partial AUCs.
"""

import math
from collections.abc import Sequence
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


class NcaResult(NamedTuple):
    """Parameters of one patient's curve; times in days, values in the analyte's unit."""

    cmax: float
    tmax: float
    auc_0_28: float | None
    auc_0_28_partial: bool
    tlast: float
    clast: float


def nca(points: Sequence[PkPoint]) -> NcaResult | None:
    """Cmax, Tmax, AUC0–28, Tlast and Clast of one curve; None without a quantifiable sample."""
    return nca_of_curves(
        [0] * len(points), [point.time_days for point in points],
        [point.value for point in points], [point.below_lloq for point in points], curves=1)[0]


def nca_of_curves(curve, time_days, value, below_lloq, *, curves: int
                  ) -> list[NcaResult | None]:
    """`nca` of many curves at once, as columns: sample i belongs to curve `curve[i]` (0 …
    curves − 1) and has `time_days[i]`, `value[i]` (None or NaN: not measured) and
    `below_lloq[i]`. One result per curve, in curve order.

    A trial's PK block has a curve per patient and analyte: numpy does the per-sample work of
    all of them in a few array passes (each step below is the module docstring's rule).
    """
    curve = np.asarray(curve, dtype=np.intp)
    time = np.asarray(time_days, dtype=float)
    value = np.asarray(value, dtype=float)  # None becomes NaN
    blq = np.asarray(below_lloq, dtype=bool)
    _refuse_impossible(time, value, blq)
    missing = np.isnan(value)
    keep = (time >= 0) & (blq | ~missing)
    quantified = (~blq & (value > 0))[keep]  # PKNCA reads a 0 as below the limit
    curve, time = curve[keep], time[keep]
    value = np.where(quantified, value[keep], 0.0)
    order = np.lexsort((time, curve))
    curve, time, value, quantified = curve[order], time[order], value[order], quantified[order]
    # The profile: one point per curve and time, the mean of its quantified values or BLQ.
    first_of_time = _starts(curve, time)
    p_curve, p_time = curve[first_of_time], time[first_of_time]
    if len(p_curve) == 0:
        return [None] * curves
    n_quantified = np.add.reduceat(quantified.astype(float), first_of_time)
    p_quantified = n_quantified > 0
    p_value = np.add.reduceat(value, first_of_time) / np.maximum(n_quantified, 1.0)
    # Cmax with its Tmax (the first on ties), Tlast and Clast: over the quantified points.
    q_curve, q_time, q_value = p_curve[p_quantified], p_time[p_quantified], p_value[p_quantified]
    has_result = np.zeros(curves, dtype=bool)
    has_result[q_curve] = True
    if len(q_curve) == 0:
        return [None] * curves
    starts = _starts(q_curve)
    highest = np.maximum.reduceat(q_value, starts)
    at_peak = q_value == np.repeat(highest, np.diff(np.append(starts, len(q_curve))))
    peak = np.flatnonzero(at_peak)[_starts(q_curve[at_peak])]  # each curve's first in time
    cmax, tmax = _per_curve(curves, q_curve[peak], q_value[peak], q_time[peak])
    last = _ends(q_curve)
    tlast, clast = _per_curve(curves, q_curve[last], q_time[last], q_value[last])
    auc, partial = _auc_0_28_of_curves(curves, p_curve, p_time, p_value, p_quantified)
    return [NcaResult(*parameters) if present else None for present, *parameters in zip(
        has_result.tolist(), cmax, tmax, auc, partial, tlast, clast, strict=True)]


def _refuse_impossible(time, value, blq) -> None:
    """A non-finite time or a negative measured value is an error, not something to guess."""
    not_finite = np.flatnonzero(~np.isfinite(time))
    if len(not_finite):
        raise ValueError("sample time must be a finite number of days, "
                         f"got {time[not_finite[0]]}")
    negative = np.flatnonzero(~blq & (value < 0))  # NaN < 0 is False
    if len(negative):
        i = negative[0]
        raise ValueError(f"a measured value cannot be negative, got {value[i]} on day {time[i]}")


def _starts(curve, time=None):
    """Indices where a run of equal curve (and time) values starts; the arrays are sorted."""
    start = np.ones(len(curve), dtype=bool)
    start[1:] = curve[1:] != curve[:-1]
    if time is not None:
        start[1:] |= time[1:] != time[:-1]
    return np.flatnonzero(start)


def _ends(curve):
    """Indices of the last entry of each curve; `curve` is sorted."""
    end = np.ones(len(curve), dtype=bool)
    end[:-1] = curve[1:] != curve[:-1]
    return np.flatnonzero(end)


def _per_curve(curves: int, at, *columns) -> list[list]:
    """Each column's values spread over `curves` slots (indices `at`), as Python lists."""
    spread = []
    for column in columns:
        full = np.zeros(curves)
        full[at] = column
        spread.append(full.tolist())
    return spread


def _auc_0_28_of_curves(curves: int, curve, time, value, quantified):
    """(AUC0–28, partial) of each curve's profile by the linear trapezoidal rule after PKNCA's
    BLQ rules (module docstring); the profile is sorted by curve and time, BLQ values are 0."""
    window = time <= AUC_END_DAY
    curve, time, value, quantified = curve[window], time[window], value[window], \
        quantified[window]
    # BLQ before the first and after the last quantified point count as 0; between, left out.
    first_q = np.full(curves, np.inf)
    last_q = np.full(curves, -np.inf)
    q_curve, q_time = curve[quantified], time[quantified]
    first_q[q_curve[_starts(q_curve)]] = q_time[_starts(q_curve)]
    last_q[q_curve[_ends(q_curve)]] = q_time[_ends(q_curve)]
    on_curve = quantified | ~((first_q[curve] < time) & (time < last_q[curve]))
    curve, time, value = curve[on_curve], time[on_curve], value[on_curve]
    points = np.bincount(curve, minlength=curves)
    start_time = np.zeros(curves)
    start_value = np.zeros(curves)
    end_time = np.zeros(curves)  # an empty curve is (0, 0) alone: partial
    starts, ends = _starts(curve), _ends(curve)
    start_time[curve[starts]], start_value[curve[starts]] = time[starts], value[starts]
    end_time[curve[ends]] = time[ends]
    # A curve that does not start at day 0 starts at (0, 0): its first trapezoid is added.
    from_zero = (points == 0) | (start_time > 0)
    area = np.where(from_zero, start_time * start_value / 2, 0.0)
    same = curve[1:] == curve[:-1]
    trapezoids = (time[1:] - time[:-1]) * (value[:-1] + value[1:]) / 2
    area += np.bincount(curve[1:][same], weights=trapezoids[same], minlength=curves)
    enough = (points + from_zero) >= 2
    return ([a if ok else None for a, ok in zip(area.tolist(), enough.tolist(), strict=True)],
            (end_time != AUC_END_DAY).tolist())


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

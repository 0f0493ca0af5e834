"""Non-compartmental parameters of pk/nca.py, worked by hand from docs/spec/endpoints.md."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pk.nca import NcaResult, PkPoint, nca, nca_of_curves, summarize

BLQ = None  # a below-LLOQ sample in the tables below


def curve(*samples):
    """PkPoints from (day, value) pairs; value BLQ (None) means below the LLOQ."""
    return [PkPoint(day, value, value is BLQ) for day, value in samples]


# --- AUC0–28 -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("samples", "auc", "partial"), [
    # BLQ at day 4 lies between quantified samples (left out); 14 and 28 after the last one
    # in the window (0). Curve (0,0) (1,10) (7,30) (14,0) (28,0): 5 + 120 + 105 + 0.
    (((1, 10), (4, BLQ), (7, 30), (14, BLQ), (28, BLQ), (56, 5)), 230.0, False),
    # BLQ before the first quantified sample count as 0: (0,0) (1,0) (4,20) (28,20).
    (((0, BLQ), (1, BLQ), (4, 20), (28, 20)), 0 + 30 + 480.0, False),
    # Missing day 0: the curve starts at (0, 0).
    (((1, 10), (28, 10)), 5 + 270.0, False),
    # A quantified day-0 value is used as it is.
    (((0, 4), (1, 10), (28, 10)), 7 + 270.0, False),
    # No sample at day 28: runs to day 21, not extrapolated.
    (((0, BLQ), (7, 20), (21, 10)), 70 + 210.0, True),
    (((7, 20), (21, 10), (27.5, 10)), 70 + 210 + 65.0, True),
    (((7, 20), (21, 10), (28, 10)), 70 + 210 + 70.0, False),
    # A sample after day 28 is not interpolated into the window.
    (((7, 20), (21, 10), (28.5, 10)), 70 + 210.0, True),
    # PKNCA cleans the window's own samples: day 28 is after the window's last quantified one.
    (((7, 10), (28, BLQ), (56, 10)), 35 + 105.0, False),
    # Every sample in the window BLQ, quantified later: 0, not partial.
    (((7, BLQ), (28, BLQ), (56, 5)), 0.0, False),
])
@pytest.mark.requirement("END-PK-05", "END-PK-03")
def test_auc_0_28_by_the_linear_trapezoidal_rule(samples, auc, partial):
    # when
    result = nca(curve(*samples))
    # then
    assert (result.auc_0_28, result.auc_0_28_partial) == (pytest.approx(auc), partial)


@pytest.mark.requirement("END-PK-05")
def test_no_auc_without_a_sample_in_the_window():
    result = nca(curve((56, 5)))
    assert (result.auc_0_28, result.auc_0_28_partial) == (None, True)


# --- Cmax, Tmax, Tlast, Clast ----------------------------------------------------------------

@pytest.mark.requirement("END-PK-04", "END-PK-06")
def test_cmax_tmax_tlast_clast():
    # given a peak on day 10 and persistence to day 180, then BLQ
    points = curve((0, BLQ), (4, 1e4), (10, 1.2e5), (28, 3e3), (180, 35.0), (365, BLQ))
    # when
    result = nca(points)
    # then
    assert (result.cmax, result.tmax, result.tlast, result.clast) == (1.2e5, 10, 180, 35.0)


@pytest.mark.requirement("END-PK-04")
def test_tmax_is_the_first_time_on_ties():
    assert nca(curve((4, 50), (7, 50), (10, 20))).tmax == 4


def test_no_result_without_a_quantified_sample():
    assert nca(curve((0, BLQ), (7, BLQ))) is None
    assert nca([]) is None


@pytest.mark.requirement("END-PK-03")
def test_a_zero_value_is_below_the_limit_as_in_pknca():
    assert nca([PkPoint(7, 0.0, False)]) is None


# --- Input that needs a convention -------------------------------------------------------------

def test_a_missing_value_not_flagged_blq_is_ignored():
    # given a day-4 sample with no value: without it day 4 would have counted as 0 (a first BLQ)
    points = [*curve((1, 10), (7, 30), (28, 30)), PkPoint(4, None, False),
              PkPoint(14, math.nan, False)]
    # then
    assert nca(points) == nca(curve((1, 10), (7, 30), (28, 30)))


def test_unsorted_input_is_sorted():
    samples = ((1, 10), (4, BLQ), (7, 30), (14, BLQ), (28, BLQ), (56, 5))
    assert nca(curve(*reversed(samples))) == nca(curve(*samples))


@pytest.mark.parametrize(("duplicates", "value_on_day_7"), [
    (((7, 20), (7, 40)), 30.0),     # replicates: their mean
    (((7, BLQ), (7, 20)), 20.0),    # a quantified value beats a BLQ one
])
def test_samples_sharing_a_time_become_one(duplicates, value_on_day_7):
    result = nca(curve((1, 10), *duplicates, (28, 10)))
    assert result == nca(curve((1, 10), (7, value_on_day_7), (28, 10)))


def test_pre_infusion_samples_are_left_out():
    result = nca(curve((-0.1, 500), (1, 10), (28, 10)))
    assert (result.cmax, result.tmax, result.auc_0_28) == (10, 1, 275.0)


@pytest.mark.parametrize("point", [PkPoint(7, -1.0, False), PkPoint(math.inf, 10.0, False),
                                   PkPoint(math.nan, 10.0, False)])
def test_impossible_samples_are_refused(point):
    with pytest.raises(ValueError):
        nca([point])


# --- Per-dose-level summary --------------------------------------------------------------------

def result(cmax=10.0, tmax=7.0, auc=100.0, partial=False):
    return NcaResult(cmax=cmax, tmax=tmax, auc_0_28=auc, auc_0_28_partial=partial,
                     tlast=28.0, clast=1.0)


@pytest.mark.requirement("END-PK-07")
def test_summary_by_hand():
    # given Cmax 10, 100, 1000 (ln: mean ln 100, deviations ±ln 10 and 0, so s² = (ln 10)²)
    results = [result(10, 4, 2), result(100, 7, 8), result(1000, 14, 50, partial=True), None]
    # when
    summary = summarize(results)
    # then
    assert summary["n"] == 3
    assert (summary["cmax_median"], summary["cmax_min"], summary["cmax_max"]) == (100, 10, 1000)
    assert summary["cmax_geomean"] == pytest.approx(100)
    assert summary["cmax_geocv_pct"] == pytest.approx(
        math.sqrt(math.exp(math.log(10) ** 2) - 1) * 100)
    assert (summary["tmax_median"], summary["tmax_min"], summary["tmax_max"]) == (7, 4, 14)
    # AUC 2 and 8 (the partial 50 left out): geomean 4; s² = 2(ln 2)², CV 127.05%
    assert summary["auc_0_28_n"] == 2
    assert (summary["auc_0_28_median"], summary["auc_0_28_min"], summary["auc_0_28_max"]) == (
        5, 2, 8)
    assert summary["auc_0_28_geomean"] == pytest.approx(4)
    assert summary["auc_0_28_geocv_pct"] == pytest.approx(127.05, abs=0.01)


@pytest.mark.requirement("END-PK-07")
def test_summary_geometric_statistics_need_positive_values_and_two_for_the_cv():
    summary = summarize([result(cmax=10, auc=0.0), result(cmax=20, auc=5.0)])
    assert (summary["auc_0_28_geomean"], summary["auc_0_28_geocv_pct"]) == (None, None)
    single = summarize([result(cmax=10)])
    assert (single["cmax_geomean"], single["cmax_geocv_pct"]) == (pytest.approx(10), None)


@pytest.mark.requirement("END-PK-07")
def test_summary_of_nobody():
    summary = summarize([])
    assert summary["n"] == 0
    assert all(value is None for key, value in summary.items() if key not in ("n", "auc_0_28_n"))


# --- Properties --------------------------------------------------------------------------------

points_strategy = st.lists(
    st.builds(PkPoint,
              time_days=st.one_of(st.integers(0, 400).map(float), st.floats(0, 400)),
              value=st.one_of(st.none(), st.floats(0, 1e9)),
              below_lloq=st.booleans()),
    unique_by=lambda point: point.time_days, max_size=20)


def quantified(points):
    return [p for p in points if not p.below_lloq and p.value is not None and p.value > 0]


@given(points_strategy)
def test_properties_of_any_curve(points):
    result = nca(points)
    if not quantified(points):
        assert result is None
        return
    assert result.auc_0_28 is None or 0 <= result.auc_0_28 <= result.cmax * 28 * (1 + 1e-12)
    assert all(result.cmax >= p.value for p in quantified(points))
    assert result.tmax in {p.time_days for p in quantified(points)}
    assert result.tmax <= result.tlast and result.clast <= result.cmax


# --- Against a plain per-curve reading of the rules ----------------------------------------------

def reference_nca(points):
    """The module docstring's rules read one curve at a time in plain Python, point by point: the
    oracle for `nca_of_curves`, which works on arrays of many curves."""
    kept = [p for p in points if p.time_days >= 0
            and (p.below_lloq or p.value is not None and not math.isnan(p.value))]
    usable = sorted(((float(p.time_days), p.value if not p.below_lloq and p.value > 0 else None)
                     for p in kept), key=lambda point: point[0])
    profile = []
    for time in sorted({t for t, _ in usable}):
        values = [v for t, v in usable if t == time and v is not None]
        profile.append((time, math.fsum(values) / len(values) if values else None))
    quantified_points = [(t, v) for t, v in profile if v is not None]
    if not quantified_points:
        return None
    cmax = max(v for _, v in quantified_points)
    tmax = min(t for t, v in quantified_points if v == cmax)
    window = [(t, v) for t, v in profile if t <= 28]
    times = [t for t, v in window if v is not None]
    first, last = (times[0], times[-1]) if times else (math.inf, -math.inf)
    auc_curve = [(t, v or 0.0) for t, v in window if v is not None or not first < t < last]
    if not auc_curve or auc_curve[0][0] > 0:
        auc_curve.insert(0, (0.0, 0.0))
    pairs = zip(auc_curve, auc_curve[1:], strict=False)
    auc = None if len(auc_curve) < 2 else math.fsum(
        (t1 - t0) * (v0 + v1) / 2 for (t0, v0), (t1, v1) in pairs)
    return NcaResult(cmax=cmax, tmax=tmax, auc_0_28=auc,
                     auc_0_28_partial=auc_curve[-1][0] != 28, tlast=quantified_points[-1][0],
                     clast=quantified_points[-1][1])


def same_result(got, expected):
    if expected is None or got is None:
        return got is expected
    return (got.cmax, got.tmax, got.tlast, got.clast, got.auc_0_28_partial) == (
        pytest.approx(expected.cmax, rel=1e-12), expected.tmax, expected.tlast,
        pytest.approx(expected.clast, rel=1e-12), expected.auc_0_28_partial) and (
        got.auc_0_28 is expected.auc_0_28 is None
        or got.auc_0_28 == pytest.approx(expected.auc_0_28, rel=1e-9, abs=1e-12))


replicated_points = st.lists(
    st.builds(PkPoint,
              time_days=st.one_of(st.sampled_from([-1.0, 0.0, 1.0, 4.0, 7.0, 28.0, 56.0]),
                                  st.floats(-2, 60)),
              value=st.one_of(st.none(), st.just(math.nan), st.just(0.0), st.floats(0, 1e6)),
              below_lloq=st.booleans()),
    max_size=15)


@given(replicated_points)
def test_one_curve_agrees_with_the_plain_reading(points):
    assert same_result(nca(points), reference_nca(points))


@given(st.lists(replicated_points, max_size=8), st.randoms())
def test_many_curves_at_once_agree_with_each_curve_alone(curves, random):
    # given the samples of several curves, shuffled together
    samples = [(i, p) for i, points in enumerate(curves) for p in points]
    random.shuffle(samples)
    # when
    results = nca_of_curves([i for i, _ in samples], [p.time_days for _, p in samples],
                            [p.value for _, p in samples], [p.below_lloq for _, p in samples],
                            curves=len(curves))
    # then
    assert len(results) == len(curves)
    for got, points in zip(results, curves, strict=True):
        assert same_result(got, reference_nca(points))

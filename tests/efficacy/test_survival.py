"""Kaplan–Meier with the spec's conventions (docs/spec/endpoints.md, "Kaplan–Meier conventions").

The oracles are arithmetic written out here (exact fractions for S, Greenwood's sum, the log-log
band from the standard library's normal quantile) and, as the spec requires, lifelines itself.
No database.
"""

import json
import math
from fractions import Fraction
from itertools import pairwise
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from efficacy.survival import CurvePoint, KmResult, kaplan_meier

Z = NormalDist().inv_cdf(0.975)


def log_log_band(s, greenwood_sum):
    """Kalbfleisch & Prentice: S^exp(±zσ) with σ = √G / |log S|; (1, 1) at S = 1, (0, 0) at 0."""
    if s == 1:
        return 1.0, 1.0
    if s == 0:
        return 0.0, 0.0
    sigma = math.sqrt(greenwood_sum) / abs(math.log(s))
    return float(s) ** math.exp(Z * sigma), float(s) ** math.exp(-Z * sigma)


def reference_rows(times, events):
    """Product-limit by hand: (t, at_risk, events, censored, exact S, Greenwood sum) per time."""
    observations = list(zip(times, events, strict=True))
    rows, at_risk, s, greenwood_sum = [], len(times), Fraction(1), 0.0
    for t in sorted(set(times) | {0.0}):
        deaths = observations.count((t, True))
        censored = observations.count((t, False))
        if deaths:
            s *= Fraction(at_risk - deaths, at_risk)
            # lifelines leaves out the term that would divide by zero when everyone left dies.
            if at_risk > deaths:
                greenwood_sum += deaths / (at_risk * (at_risk - deaths))
        rows.append((t, at_risk, deaths, censored, s, greenwood_sum))
        at_risk -= deaths + censored
    return rows


def fit_lifelines(times, events):
    with np.errstate(divide="ignore", invalid="ignore"):
        return KaplanMeierFitter(alpha=0.05).fit(np.asarray(times, float), np.asarray(events, bool))


def none_if_infinite(value):
    return None if math.isinf(value) else float(value)


# --- The worked example: times [1, 2, 2, 3, 5], events [1, 1, 0, 1, 0] ----------------------

WORKED_TIMES = [1, 2, 2, 3, 5]
WORKED_EVENTS = [True, True, False, True, False]
WORKED_ROWS = [
    # t, at_risk, events, censored, S, Greenwood sum Σ d / (n (n − d)), band to 4 dp
    (0.0, 5, 0, 0, 1, 0, (1.0, 1.0)),
    (1.0, 5, 1, 0, 4 / 5, 1 / (5 * 4), (0.2038, 0.9692)),
    (2.0, 4, 1, 1, 4 / 5 * 3 / 4, 1 / (5 * 4) + 1 / (4 * 3), (0.1257, 0.8818)),
    (3.0, 2, 1, 0, 4 / 5 * 3 / 4 * 1 / 2, 1 / 20 + 1 / 12 + 1 / (2 * 1), (0.0123, 0.7192)),
    (5.0, 1, 0, 1, 4 / 5 * 3 / 4 * 1 / 2, 1 / 20 + 1 / 12 + 1 / 2, (0.0123, 0.7192)),
]


@pytest.mark.parametrize(("row", "expected"), list(enumerate(WORKED_ROWS)))
@pytest.mark.requirement("END-KM-01")
def test_worked_example_step_function_and_counts(row, expected):
    # given
    t, at_risk, events, censored, s, _, _ = expected

    # when
    point = kaplan_meier(WORKED_TIMES, WORKED_EVENTS).curve[row]

    # then
    assert (point.t, point.at_risk, point.events, point.censored) == (t, at_risk, events, censored)
    assert point.s == pytest.approx(s, abs=1e-12)


@pytest.mark.parametrize(("row", "expected"), list(enumerate(WORKED_ROWS)))
@pytest.mark.requirement("END-KM-02")
def test_worked_example_log_log_band_from_greenwood(row, expected):
    # given: Var S = S² G (Greenwood); on the log(−log S) scale σ = √G / |log S|
    _, _, _, _, s, greenwood_sum, band_4dp = expected
    band_by_hand = log_log_band(s, greenwood_sum)

    # when
    point = kaplan_meier(WORKED_TIMES, WORKED_EVENTS).curve[row]

    # then
    assert (point.ci_low, point.ci_high) == pytest.approx(band_by_hand, abs=1e-12)
    assert (round(point.ci_low, 4), round(point.ci_high, 4)) == band_4dp


@pytest.mark.requirement("END-KM-02")
def test_worked_example_greenwood_variance_at_day_1():
    # given: Var S(1) = S² · 1/(5·4) = 0.64 · 0.05 = 0.032, so σ = √0.05 / |log 0.8|
    sigma = math.sqrt(0.032 / 0.8**2) / abs(math.log(0.8))

    # when
    point = kaplan_meier(WORKED_TIMES, WORKED_EVENTS).curve[1]

    # then: the band is exp(−exp(log(−log S) ± zσ))
    assert point.ci_low == pytest.approx(math.exp(-math.exp(math.log(-math.log(0.8)) + Z * sigma)))
    assert point.ci_high == pytest.approx(math.exp(-math.exp(math.log(-math.log(0.8)) - Z * sigma)))


@pytest.mark.requirement("END-KM-03", "END-KM-04")
def test_worked_example_median_and_its_interval():
    # given: S first <= 0.5 at day 3 (0.3); the lower band is already 0.2038 at day 1;
    # the upper band ends at 0.7192 and never reaches 0.5
    # when
    result = kaplan_meier(WORKED_TIMES, WORKED_EVENTS)

    # then
    assert (result.n, result.events) == (5, 3)
    assert result.median == 3.0
    assert result.median_ci == (1.0, None)


# --- Ties, time 0, censoring -----------------------------------------------------------------


@pytest.mark.requirement("END-KM-01")
def test_at_a_tied_time_events_come_before_censorings():
    # given: at day 2 one event and two censorings among 4 at risk
    times, events = [2, 2, 2, 4], [True, False, False, True]

    # when
    result = kaplan_meier(times, events)

    # then: the censored pair is still at risk, so S = 1 − 1/4 (not 1 − 1/2)
    day_2 = result.curve[1]
    assert (day_2.t, day_2.at_risk, day_2.events, day_2.censored) == (2.0, 4, 1, 2)
    assert day_2.s == pytest.approx(3 / 4)
    assert result.curve[2].at_risk == 1


@pytest.mark.requirement("END-TTE-02")
def test_an_event_at_time_0_is_kept_in_the_first_row():
    # given: one event and one censoring on the start date
    times, events = [0, 0, 3, 5], [True, False, True, False]

    # when
    result = kaplan_meier(times, events)

    # then
    assert [point.t for point in result.curve] == [0.0, 3.0, 5.0]
    first = result.curve[0]
    assert (first.at_risk, first.events, first.censored) == (4, 1, 1)
    assert first.s == pytest.approx(3 / 4)
    assert result.curve[1].s == pytest.approx(3 / 4 * 1 / 2)
    assert result.rate_at(0) == pytest.approx(3 / 4)


def test_without_observations_at_time_0_the_first_row_is_everyone_at_risk_with_s_1():
    # when
    first = kaplan_meier([4, 7], [True, False]).curve[0]

    # then
    assert first == CurvePoint(
        t=0.0, s=1.0, ci_low=1.0, ci_high=1.0, at_risk=2, events=0, censored=0
    )


@pytest.mark.requirement("END-KM-03", "END-KM-05")
def test_all_censored_has_no_median_and_no_rate_beyond_follow_up():
    # when
    result = kaplan_meier([3, 5, 8], [False, False, False])

    # then
    assert result.events == 0
    assert all((p.s, p.ci_low, p.ci_high) == (1.0, 1.0, 1.0) for p in result.curve)
    assert result.median is None
    assert result.median_ci == (None, None)
    assert result.rate_at(8) == 1.0
    assert result.rate_at(9) is None


# --- Median ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("times", "events", "median"),
    [
        # S(1) = 1/2 exactly
        ([1, 2], [True, True], 1.0),
        # S(2) = 3/4 · 2/3 = 1/2 exactly
        ([1, 2, 9, 9], [True, True, False, False], 2.0),
        # S(3) = 5/6 · 4/5 · 3/4 = 1/2, which lifelines computes as 0.5000000000000001 and calls
        # "not reached"; the spec's S(t) <= 0.5 rule gives day 3
        ([1, 2, 3, 100, 100, 100], [True, True, True, False, False, False], 3.0),
        # S(2) = 2/3, S(3) = 1/3: the first time at or below one half
        ([1, 2, 3], [True, True, True], 2.0),
        # S stays at 3/4
        ([1, 2, 3, 4], [True, False, False, False], None),
    ],
)
@pytest.mark.requirement("END-KM-03")
def test_median_is_the_first_time_s_is_at_most_one_half(times, events, median):
    assert kaplan_meier(times, events).median == median


@pytest.mark.requirement("END-KM-04")
def test_median_interval_is_none_where_the_bands_never_reach_one_half():
    # given: 1 event among 20, S = 0.95, G = 1/(20·19); the lower band stays above 0.5
    lower_band, _ = log_log_band(Fraction(19, 20), 1 / (20 * 19))
    assert lower_band > 0.5

    # when
    result = kaplan_meier([1] + [10] * 19, [True] + [False] * 19)

    # then
    assert result.median is None
    assert result.median_ci == (None, None)


def test_when_s_reaches_0_the_band_collapses_to_0_as_in_lifelines():
    # given: everyone left at day 3 dies; log(−log 0) is infinite
    times, events = [0, 0, 1, 2, 2, 3], [True, False, True, True, False, True]

    # when
    result = kaplan_meier(times, events)

    # then
    last = result.curve[-1]
    assert (last.t, last.s, last.ci_low, last.ci_high) == (3.0, 0.0, 0.0, 0.0)
    assert result.median == 2.0
    assert result.median_ci == (0.0, 3.0)


# --- rate_at -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("times", "events", "day", "rate"),
    [
        (WORKED_TIMES, WORKED_EVENTS, 0, 1.0),  # before the first event
        (WORKED_TIMES, WORKED_EVENTS, 1, 4 / 5),  # at a step: right-continuous
        (WORKED_TIMES, WORKED_EVENTS, 2.5, 4 / 5 * 3 / 4),  # between steps
        (WORKED_TIMES, WORKED_EVENTS, 5, 4 / 5 * 3 / 4 * 1 / 2),  # at the last observed time
        (WORKED_TIMES, WORKED_EVENTS, 5.5, None),  # beyond it with S > 0: not estimable
        (WORKED_TIMES, WORKED_EVENTS, 365, None),
        ([1, 2, 3], [True, False, True], 3, 0.0),  # S reaches 0 at the last time
        ([1, 2, 3], [True, False, True], 365, 0.0),  # and stays 0 beyond it
    ],
)
@pytest.mark.requirement("END-KM-05")
def test_rate_at_a_day(times, events, day, rate):
    assert kaplan_meier(times, events).rate_at(day) == pytest.approx(rate, abs=1e-12)


def test_rate_at_a_negative_day_is_rejected():
    with pytest.raises(ValueError, match="day must be >= 0"):
        kaplan_meier(WORKED_TIMES, WORKED_EVENTS).rate_at(-1)


# --- No patients, the report, bad input ----------------------------------------------------------


def test_no_patients_gives_a_valid_empty_result():
    # when
    result = kaplan_meier([], [])

    # then
    assert result == KmResult(
        n=0,
        events=0,
        median=None,
        median_ci=(None, None),
        curve=(CurvePoint(t=0.0, s=1.0, ci_low=1.0, ci_high=1.0, at_risk=0, events=0, censored=0),),
    )
    assert result.rate_at(0) is None
    assert result.rate_at(182) is None


@pytest.mark.requirement("CON-REP-06")
def test_the_report_has_the_contract_shape():
    # given
    result = kaplan_meier(WORKED_TIMES, WORKED_EVENTS)

    # when
    report = result.as_report()

    # then
    assert report["n"] == 5
    assert report["events"] == 3
    assert report["median"] == 3.0
    assert report["median_ci"] == [1.0, None]
    assert report["rate_at"] == {"182": None, "365": None}
    assert report["curve"][0] == {
        "t": 0.0,
        "s": 1.0,
        "ci_low": 1.0,
        "ci_high": 1.0,
        "at_risk": 5,
        "events": 0,
        "censored": 0,
    }
    assert [row["t"] for row in report["curve"]] == [0.0, 1.0, 2.0, 3.0, 5.0]


@pytest.mark.requirement("CON-REP-03")
def test_the_report_holds_plain_python_numbers_for_json():
    # when
    report = kaplan_meier([0, 2, 2, 7], [True, True, False, False]).as_report(landmark_days=(1, 5))

    # then
    assert json.loads(json.dumps(report)) == report
    assert report["rate_at"] == {"1": pytest.approx(3 / 4), "5": pytest.approx(3 / 4 * 2 / 3)}
    row = report["curve"][1]
    assert [type(row[key]) for key in ("t", "s", "ci_low", "ci_high")] == [float] * 4
    assert [type(row[key]) for key in ("at_risk", "events", "censored")] == [int] * 3


@pytest.mark.parametrize(
    ("times", "events", "message"),
    [
        ([1, 2], [True], "same length"),
        ([1, -2], [True, False], ">= 0 days"),
        ([1, float("nan")], [True, False], "finite"),
        ([1, float("inf")], [True, False], "finite"),
        ([1, 2], [1, 2], "True \\(event\\) or False"),
    ],
)
def test_bad_input_is_rejected(times, events, message):
    with pytest.raises(ValueError, match=message):
        kaplan_meier(times, events)


def test_numpy_error_settings_are_left_as_they_were():
    # given: lifelines calls np.seterr() while fitting
    before = np.geterr()

    # when
    kaplan_meier([1, 2, 3], [True, True, True])

    # then
    assert np.geterr() == before


# --- Agreement with lifelines and with the hand oracle on generated data -------------------------

observations = st.lists(
    st.tuples(
        st.one_of(
            st.integers(min_value=0, max_value=15).map(float),  # ties, and time 0
            st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False),
        ),
        st.booleans(),
    ),
    min_size=1,
    max_size=60,
)


def assert_agrees_with_lifelines(times, events):
    result = kaplan_meier(times, events)
    fitter = fit_lifelines(times, events)
    table = fitter.event_table
    survival = fitter.survival_function_.iloc[:, 0].to_numpy()
    band = fitter.confidence_interval_.to_numpy()

    assert [p.t for p in result.curve] == table.index.tolist()
    assert [p.s for p in result.curve] == pytest.approx(survival.tolist(), abs=1e-9)
    assert [p.ci_low for p in result.curve] == pytest.approx(band[:, 0].tolist(), abs=1e-9)
    assert [p.ci_high for p in result.curve] == pytest.approx(band[:, 1].tolist(), abs=1e-9)
    assert [p.at_risk for p in result.curve] == table["at_risk"].astype(int).tolist()
    assert [p.events for p in result.curve] == table["observed"].astype(int).tolist()
    assert [p.censored for p in result.curve] == table["censored"].astype(int).tolist()
    # lifelines' float S can land a hair above an exact 1/2 (see the median table above); there
    # the exact rule decides, and test_median_matches_exact_fractions covers it.
    if not np.any(np.abs(survival - 0.5) < 1e-9):
        assert result.median == none_if_infinite(fitter.median_survival_time_)
    median_band = median_survival_times(fitter.confidence_interval_).iloc[0]
    assert result.median_ci == tuple(none_if_infinite(end) for end in median_band)


@settings(max_examples=200, deadline=None)
@given(observations)
@pytest.mark.requirement("END-KM-06")
def test_it_agrees_with_lifelines_on_generated_data(data):
    times, events = zip(*data, strict=True)
    assert_agrees_with_lifelines(list(times), list(events))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n", [300, 3000])
@pytest.mark.requirement("END-KM-06")
def test_it_agrees_with_lifelines_on_trial_sized_data(seed, n):
    # given: whole days as the spec defines times, heavy ties, some events on day 0
    rng = np.random.default_rng(seed)
    times = np.floor(rng.exponential(400, n))
    events = rng.random(n) < 0.6

    # then
    assert_agrees_with_lifelines(times.tolist(), events.tolist())


@settings(max_examples=100, deadline=None)
@given(observations)
@pytest.mark.requirement("END-KM-01", "END-KM-02")
def test_it_agrees_with_the_hand_oracle_on_generated_data(data):
    # given
    times, events = zip(*data, strict=True)
    expected = reference_rows(times, events)

    # when
    curve = kaplan_meier(times, events).curve

    # then
    assert [(p.t, p.at_risk, p.events, p.censored) for p in curve] == [row[:4] for row in expected]
    for point, (_, _, _, _, s, greenwood_sum) in zip(curve, expected, strict=True):
        assert point.s == pytest.approx(float(s), abs=1e-12)
        band = log_log_band(s, greenwood_sum)
        assert (point.ci_low, point.ci_high) == pytest.approx(band, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(observations)
@pytest.mark.requirement("END-KM-03")
def test_median_matches_exact_fractions(data):
    # given: the first time whose exact S is <= 1/2
    times, events = zip(*data, strict=True)
    exact_median = next(
        (t for t, _, _, _, s, _ in reference_rows(times, events) if s <= Fraction(1, 2)), None
    )

    # then
    assert kaplan_meier(times, events).median == exact_median


@settings(max_examples=100, deadline=None)
@given(observations)
def test_s_never_rises_and_stays_inside_its_band_and_0_1(data):
    # when
    curve = kaplan_meier(*zip(*data, strict=True)).curve

    # then
    survival = [p.s for p in curve]
    assert all(later <= earlier for earlier, later in pairwise(survival))
    assert all(0.0 <= p.ci_low <= p.s <= p.ci_high <= 1.0 for p in curve)


@settings(max_examples=100, deadline=None)
@given(observations)
def test_the_at_risk_count_drops_by_each_rows_events_and_censorings(data):
    # when
    result = kaplan_meier(*zip(*data, strict=True))

    # then
    rows = result.curve
    assert rows[0].at_risk == result.n == len(data)
    for row, following in pairwise(rows):
        assert following.at_risk == row.at_risk - row.events - row.censored
    assert sum(p.events for p in rows) == result.events == sum(event for _, event in data)

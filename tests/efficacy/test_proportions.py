"""Clopper–Pearson proportions (docs/spec/endpoints.md, "Proportions"). No database."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom, binomtest

from efficacy.proportions import Proportion, clopper_pearson

# The contract's example report (docs/spec/contract.md §4): k, n and the interval to 4 dp.
CONTRACT_EXAMPLES = [
    # k, n, ci_low, ci_high
    (0, 3, 0.0, 0.7076),  # DL1 DLT rate
    (1, 9, 0.0028, 0.4825),  # overall DLT rate
    (7, 10, 0.3475, 0.9333),  # ORR W4 cr_cri
    (8, 10, 0.4439, 0.9748),  # ORR W4 cr_cri_pr
    (6, 10, 0.2624, 0.8784),  # MRD-ORR
    (3, 10, 0.0667, 0.6525),  # HSCT
]


@pytest.mark.parametrize(("k", "n", "ci_low", "ci_high"), CONTRACT_EXAMPLES)
@pytest.mark.requirement("END-PROP-01")
def test_it_reproduces_the_contract_example_to_4_dp(k, n, ci_low, ci_high):
    # when
    proportion = clopper_pearson(k, n)

    # then
    assert proportion.rate == pytest.approx(k / n)
    assert round(proportion.ci_low, 4) == ci_low
    assert round(proportion.ci_high, 4) == ci_high


@pytest.mark.parametrize("n", [1, 2, 3, 9, 10, 50])
@pytest.mark.requirement("END-PROP-01")
def test_none_of_n_has_lower_end_exactly_0_and_upper_end_from_the_binomial_tail(n):
    # given: with k = 0 the upper end solves P(X <= 0) = (1 - p)^n = 0.025 by hand
    upper_by_hand = 1 - 0.025 ** (1 / n)

    # when
    proportion = clopper_pearson(0, n)

    # then
    assert proportion.ci_low == 0.0
    assert proportion.rate == 0.0
    assert proportion.ci_high == pytest.approx(upper_by_hand, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 9, 10, 50])
@pytest.mark.requirement("END-PROP-01")
def test_all_of_n_has_upper_end_exactly_1_and_lower_end_from_the_binomial_tail(n):
    # given: with k = n the lower end solves P(X >= n) = p^n = 0.025 by hand
    lower_by_hand = 0.025 ** (1 / n)

    # when
    proportion = clopper_pearson(n, n)

    # then
    assert proportion.ci_high == 1.0
    assert proportion.rate == 1.0
    assert proportion.ci_low == pytest.approx(lower_by_hand, abs=1e-12)


@pytest.mark.parametrize("n", [2, 9, 10, 50])
@pytest.mark.requirement("END-PROP-01")
def test_one_of_n_lower_end_solves_the_tail_equation_by_hand(n):
    # given: with k = 1 the lower end solves P(X >= 1) = 1 - (1 - p)^n = 0.025
    lower_by_hand = 1 - 0.975 ** (1 / n)

    # when
    proportion = clopper_pearson(1, n)

    # then
    assert proportion.ci_low == pytest.approx(lower_by_hand, abs=1e-12)


def test_another_confidence_level_widens_or_narrows_the_tails():
    # given: a 90% interval leaves 5% in each tail, so 0/4 solves (1 - p)^4 = 0.05
    upper_by_hand = 1 - 0.05 ** (1 / 4)

    # when
    proportion = clopper_pearson(0, 4, confidence=0.90)

    # then
    assert proportion.ci_high == pytest.approx(upper_by_hand, abs=1e-12)


@pytest.mark.requirement("END-PROP-02")
def test_no_patients_gives_no_rate_and_no_interval():
    # when
    proportion = clopper_pearson(0, 0)

    # then
    assert proportion == Proportion(n=0, k=0, rate=None, ci_low=None, ci_high=None)


@pytest.mark.requirement("END-PROP-01")
def test_as_dict_has_the_report_keys():
    # given
    proportion = clopper_pearson(7, 10)

    # when
    report = proportion.as_dict()

    # then
    assert report == {
        "n": 10,
        "k": 7,
        "rate": 0.7,
        "ci_low": proportion.ci_low,
        "ci_high": proportion.ci_high,
    }
    assert all(type(report[key]) is float for key in ("rate", "ci_low", "ci_high"))


@pytest.mark.requirement("END-PROP-02")
def test_as_dict_of_no_patients_has_nulls():
    assert clopper_pearson(0, 0).as_dict() == {
        "n": 0,
        "k": 0,
        "rate": None,
        "ci_low": None,
        "ci_high": None,
    }


def test_a_proportion_is_immutable():
    # given
    proportion = clopper_pearson(1, 3)

    # when / then
    with pytest.raises(dataclasses.FrozenInstanceError):
        proportion.k = 2


@pytest.mark.parametrize(
    ("k", "n", "message"),
    [
        (-1, 5, "k must be between 0 and n"),
        (6, 5, "k must be between 0 and n"),
        (1, 0, "k must be between 0 and n"),
        (0, -1, "n must be >= 0"),
    ],
)
def test_impossible_counts_are_rejected(k, n, message):
    with pytest.raises(ValueError, match=message):
        clopper_pearson(k, n)


@pytest.mark.parametrize(("k", "n"), [(1.5, 4), (1, 4.0), ("1", 4)])
def test_counts_that_are_not_integers_are_rejected(k, n):
    with pytest.raises(TypeError, match="must be integers"):
        clopper_pearson(k, n)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95])
def test_a_confidence_outside_0_1_is_rejected(confidence):
    with pytest.raises(ValueError, match="confidence"):
        clopper_pearson(1, 4, confidence=confidence)


@pytest.mark.parametrize(("k", "n"), [(k, n) for n in (1, 3, 10, 37) for k in range(n + 1)])
@pytest.mark.requirement("END-PROP-01")
def test_it_agrees_with_scipy_binomtest_root_finding(k, n):
    # given: binomtest finds each end by root-finding on the binomial tails, a second route
    expected = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")

    # when
    proportion = clopper_pearson(k, n)

    # then
    assert proportion.ci_low == pytest.approx(expected.low, abs=1e-9)
    assert proportion.ci_high == pytest.approx(expected.high, abs=1e-9)


counts = st.integers(min_value=1, max_value=500).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@given(counts)
def test_the_interval_holds_the_rate_within_0_and_1(k_n):
    # when
    proportion = clopper_pearson(*k_n)

    # then
    assert 0.0 <= proportion.ci_low <= proportion.rate <= proportion.ci_high <= 1.0


@given(counts)
@pytest.mark.requirement("END-PROP-01")
def test_each_inner_end_leaves_2_5_percent_in_its_binomial_tail(k_n):
    # given
    k, n = k_n

    # when
    proportion = clopper_pearson(k, n)

    # then: the definition, P(X >= k | p = ci_low) = P(X <= k | p = ci_high) = 0.025
    if k > 0:
        assert binom.sf(k - 1, n, proportion.ci_low) == pytest.approx(0.025, abs=1e-9)
    if k < n:
        assert binom.cdf(k, n, proportion.ci_high) == pytest.approx(0.025, abs=1e-9)

"""3+3 and BOIN rules of dosing/escalation.py, case by case from docs/spec/endpoints.md."""

import pytest
from scipy.stats import beta

from dosing.escalation import (
    LevelTally,
    boin_boundaries,
    boin_decision,
    boin_eliminated,
    boin_mtd,
    isotonic_dlt_estimates,
    recommend,
    three_plus_three_decision,
    three_plus_three_mtd,
)


def tallies(*counts):
    """DL1, DL2, … from (evaluable, dlt) pairs, lowest dose first."""
    return [LevelTally(f"DL{i}", n, k) for i, (n, k) in enumerate(counts, start=1)]


# --- BOIN boundaries and elimination -----------------------------------------------------------

@pytest.mark.parametrize(("target", "lambda_e", "lambda_d"), [
    (0.25, 0.197, 0.298),  # Liu & Yuan 2015, Table 1
    (0.30, 0.236, 0.358),
])
@pytest.mark.requirement("END-ESC-03")
def test_boin_boundaries_match_the_published_table(target, lambda_e, lambda_d):
    # the table gives three decimals, not all rounded the same way (λd 0.35852 is listed 0.358)
    assert boin_boundaries(target) == pytest.approx((lambda_e, lambda_d), abs=1e-3)


@pytest.mark.requirement("END-ESC-03")
def test_boin_boundaries_for_the_contract_example():
    assert boin_boundaries(0.3) == pytest.approx((0.23649, 0.35852), abs=1e-5)


@pytest.mark.parametrize("target", [0.0, -0.1, 0.75, 1.0])
def test_boin_boundaries_refuse_a_target_without_a_valid_interval(target):
    with pytest.raises(ValueError):
        boin_boundaries(target)


@pytest.mark.parametrize(("evaluable", "dlt"), [(3, 2), (3, 3), (6, 3), (6, 4), (9, 4), (9, 5),
                                                 (12, 6), (12, 7)])
@pytest.mark.requirement("END-ESC-05")
def test_boin_elimination_follows_its_definition(evaluable, dlt):
    # given one level, φ = 0.3
    levels = tallies((evaluable, dlt))
    # when
    eliminated = boin_eliminated(levels, 0.3)
    # then: exactly when P(p > φ) under Beta(k + 1, n − k + 1) exceeds 0.95
    expected = 1 - beta.cdf(0.3, dlt + 1, evaluable - dlt + 1) > 0.95
    assert eliminated == (["DL1"] if expected else [])


@pytest.mark.parametrize(("evaluable", "eliminating_dlt"), [(3, 3), (6, 4), (9, 5), (12, 7)])
@pytest.mark.requirement("END-ESC-05")
def test_boin_elimination_matches_the_published_table_for_a_target_of_0_3(
        evaluable, eliminating_dlt):
    assert boin_eliminated(tallies((evaluable, eliminating_dlt - 1)), 0.3) == []
    assert boin_eliminated(tallies((evaluable, eliminating_dlt)), 0.3) == ["DL1"]


@pytest.mark.requirement("END-ESC-05")
def test_three_of_three_at_a_target_of_0_3_is_eliminated_by_hand():
    # P(p > 0.3) under Beta(4, 1) is 1 − 0.3⁴ = 0.9919 > 0.95
    assert 1 - 0.3**4 == pytest.approx(beta.sf(0.3, 4, 1))
    assert boin_eliminated(tallies((3, 3)), 0.3) == ["DL1"]


@pytest.mark.requirement("END-ESC-05")
def test_elimination_needs_three_evaluable():
    assert boin_eliminated(tallies((2, 2)), 0.3) == []


@pytest.mark.requirement("END-ESC-05")
def test_an_eliminated_level_takes_every_higher_level_with_it():
    assert boin_eliminated(tallies((3, 0), (3, 3), (0, 0), (3, 0)), 0.3) == ["DL2", "DL3", "DL4"]


# --- BOIN decision ---------------------------------------------------------------------------

@pytest.mark.parametrize(("evaluable", "dlt", "decision"), [
    # φ = 0.3: λe = 0.2365, λd = 0.3585
    (3, 0, "escalate"),
    (6, 1, "escalate"),       # 0.167
    (17, 4, "escalate"),      # 0.2353, just below λe
    (25, 6, "stay"),          # 0.24, just above λe
    (4, 1, "stay"),           # 0.25
    (3, 1, "stay"),           # 0.333
    (14, 5, "stay"),          # 0.3571, just below λd
    (25, 9, "deescalate"),    # 0.36, just above λd
    (3, 2, "deescalate"),     # 0.667, yet not eliminated
    (0, 0, "stay"),           # nobody evaluable yet at the current level
])
@pytest.mark.requirement("END-ESC-04")
def test_boin_decision_at_the_current_level(evaluable, dlt, decision):
    # given DL2 current, with a level on either side to move to
    levels = tallies((3, 0), (evaluable, dlt), (0, 0))
    # then
    assert boin_decision(levels, 0.3, "DL2") == decision


@pytest.mark.parametrize(("dlt", "decision"), [(1, "escalate"), (2, "deescalate")])
@pytest.mark.requirement("END-ESC-04")
def test_boin_rates_exactly_on_a_boundary_move(monkeypatch, dlt, decision):
    # given boundaries that 1/4 and 2/4 hit exactly (real λs are irrational)
    monkeypatch.setattr("dosing.escalation.boin_boundaries", lambda target: (0.25, 0.5))
    # then p̂ ≤ λe escalates and p̂ ≥ λd de-escalates
    assert boin_decision(tallies((3, 0), (4, dlt), (0, 0)), 0.3, "DL2") == decision


@pytest.mark.requirement("END-ESC-06")
def test_boin_never_escalates_into_an_eliminated_level():
    # given DL1 at 0/3 and DL2 eliminated (3/3)
    levels = tallies((3, 0), (3, 3))
    # then
    assert boin_decision(levels, 0.3, "DL1") == "stay"


@pytest.mark.requirement("END-ESC-06")
def test_boin_never_escalates_past_the_highest_level():
    assert boin_decision(tallies((3, 0), (6, 0)), 0.3, "DL2") == "stay"


def test_boin_deescalates_from_an_eliminated_current_level_even_when_p_hat_is_low():
    # given DL2 eliminated only because DL1 below it was (the current level inherits it)
    levels = tallies((3, 3), (3, 0))
    # then
    assert boin_decision(levels, 0.3, "DL2") == "deescalate"


def test_boin_deescalates_from_the_lowest_level_once_it_is_eliminated():
    assert boin_decision(tallies((3, 3), (0, 0)), 0.3, "DL1") == "deescalate"


def test_boin_stays_at_the_lowest_level_when_it_is_toxic_but_not_eliminated():
    assert boin_decision(tallies((3, 2), (0, 0)), 0.3, "DL1") == "stay"


# --- BOIN MTD (isotonic) -----------------------------------------------------------------------

@pytest.mark.requirement("END-ESC-07")
def test_isotonic_estimates_pool_a_violation_by_hand():
    # given raw (k + 0.05)/(n + 0.1): 1.05/3.1 = 0.33871, 0.05/6.1 = 0.00820, 2.05/3.1 = 0.66129
    levels = tallies((3, 1), (6, 0), (3, 2))
    # when
    estimates = isotonic_dlt_estimates(levels)
    # then PAVA pools DL1 and DL2 with weights 3 and 6: (3·0.33871 + 6·0.00820)/9 = 0.11837
    pooled = (3 * 1.05 / 3.1 + 6 * 0.05 / 6.1) / 9
    assert pooled == pytest.approx(0.118368, abs=1e-6)
    assert estimates == pytest.approx([pooled, pooled, 2.05 / 3.1])


@pytest.mark.requirement("END-ESC-07")
def test_mtd_tie_below_target_goes_to_the_higher_level():
    # given DL1 and DL2 pooled at 0.118 (< φ) and DL3 at 0.661: DL1 and DL2 equally close
    assert boin_mtd(tallies((3, 1), (6, 0), (3, 2)), 0.3) == "DL2"


@pytest.mark.requirement("END-ESC-07")
def test_mtd_tie_above_target_goes_to_the_lower_level():
    # given 2/3 then 1/6 pooled at (3·2.05/3.1 + 6·1.05/6.1)/9 = 0.335 > φ
    assert boin_mtd(tallies((3, 2), (6, 1)), 0.3) == "DL1"


@pytest.mark.requirement("END-ESC-07")
def test_mtd_tie_across_the_target_goes_to_the_lower_level():
    # given estimates 0.0161 and 0.3387 with φ their midpoint: one below, one above, equally close
    target = (0.05 / 3.1 + 1.05 / 3.1) / 2
    assert boin_mtd(tallies((3, 0), (3, 1)), target) == "DL1"


@pytest.mark.requirement("END-ESC-07")
def test_mtd_is_the_level_closest_to_the_target():
    assert boin_mtd(tallies((3, 0), (6, 1), (6, 2), (3, 2)), 0.3) == "DL3"


@pytest.mark.requirement("END-ESC-07")
def test_mtd_skips_eliminated_and_untreated_levels():
    # given DL1 untreated, DL2 at 0/6 (0.008, 0.292 from φ) and DL3 at 5/9 (0.555, 0.255 from φ)
    levels = tallies((0, 0), (6, 0), (9, 5))
    # then DL3 would be closer, but 5/9 is eliminated at φ = 0.3
    assert boin_eliminated(levels, 0.3) == ["DL3"]
    assert boin_mtd(levels, 0.3) == "DL2"


@pytest.mark.requirement("END-ESC-07")
def test_no_mtd_when_no_level_qualifies():
    assert boin_mtd(tallies((3, 3), (0, 0)), 0.3) is None
    assert boin_mtd(tallies((0, 0), (0, 0)), 0.3) is None


# --- 3+3 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("evaluable", "dlt", "decision"), [
    (3, 0, "escalate"),      # 0/3
    (3, 1, "add_three"),     # 1/3
    (6, 0, "escalate"),      # ≤1/6
    (6, 1, "escalate"),      # ≤1/6
    (3, 2, "deescalate"),    # ≥2/3
    (3, 3, "deescalate"),
    (6, 2, "deescalate"),    # ≥2/6
    (6, 3, "deescalate"),
    # tallies the rules don't name
    (0, 0, "stay"),          # nobody evaluable yet
    (2, 0, "stay"),          # first cohort incomplete
    (2, 1, "stay"),
    (2, 2, "deescalate"),    # already ≥2 DLTs
    (4, 0, "escalate"),      # 0 DLT among ≥3
    (4, 1, "stay"),          # the added three not all evaluable yet
    (5, 1, "stay"),
    (5, 2, "deescalate"),
    (9, 1, "escalate"),      # more than six: DLTs are counted
    (9, 2, "deescalate"),
])
@pytest.mark.requirement("END-ESC-01")
def test_three_plus_three_decision(evaluable, dlt, decision):
    levels = tallies((3, 0), (evaluable, dlt), (0, 0))
    assert three_plus_three_decision(levels, "DL2") == decision


@pytest.mark.requirement("END-ESC-01", "END-ESC-06")
def test_three_plus_three_stays_at_the_top_level():
    assert three_plus_three_decision(tallies((3, 0), (6, 1)), "DL2") == "stay"


@pytest.mark.parametrize(("evaluable", "decision"), [(3, "add_three"), (6, "stay")])
@pytest.mark.requirement("END-ESC-01")
def test_three_plus_three_confirms_six_below_a_level_that_exceeded(evaluable, decision):
    # given DL2 exceeded (2/3) and the current DL1 at 0 DLT
    levels = tallies((evaluable, 0), (3, 2))
    # then it never escalates back into DL2
    assert three_plus_three_decision(levels, "DL1") == decision


@pytest.mark.requirement("END-ESC-01")
def test_three_plus_three_deescalates_above_a_level_that_exceeded():
    assert three_plus_three_decision(tallies((3, 2), (3, 0)), "DL2") == "deescalate"


@pytest.mark.parametrize(("counts", "mtd"), [
    (((6, 0), (6, 1), (3, 2)), "DL2"),
    (((6, 1), (3, 0), (6, 2)), "DL1"),      # DL2 has too few evaluable
    (((6, 1), (6, 2), (6, 0)), "DL1"),      # DL3 lies above a level that exceeded
    (((3, 0), (3, 1)), None),               # nobody has six
    (((3, 2), (6, 0)), None),               # the lowest level exceeded
    (((9, 1), (6, 1)), "DL2"),              # more than six evaluable still qualifies
    ((), None),
])
@pytest.mark.requirement("END-ESC-02")
def test_three_plus_three_mtd(counts, mtd):
    assert three_plus_three_mtd(tallies(*counts)) == mtd


# --- recommend() -------------------------------------------------------------------------------

@pytest.mark.requirement("CON-REP-07")
def test_recommend_before_anyone_is_infused():
    # given two levels, nobody infused
    levels = tallies((0, 0), (0, 0))
    # when
    escalation = recommend(levels, design="BOIN", target=0.3, current_code=None)
    # then
    assert escalation.as_dict() == {
        "design": "BOIN", "target": 0.3,
        "lambda_e": pytest.approx(0.2365, abs=1e-4), "lambda_d": pytest.approx(0.3585, abs=1e-4),
        "current_dose_level": None, "decision": None, "eliminated": [], "mtd": None,
        "three_plus_three_mtd": None}


@pytest.mark.requirement("END-ESC-08")
def test_recommend_under_boin_gives_the_contract_shape():
    levels = tallies((6, 1), (3, 0), (0, 0))
    result = recommend(levels, design="BOIN", target=0.3, current_code="DL2").as_dict()
    assert list(result) == ["design", "target", "lambda_e", "lambda_d", "current_dose_level",
                            "decision", "eliminated", "mtd", "three_plus_three_mtd"]
    assert (result["decision"], result["mtd"], result["three_plus_three_mtd"]) == (
        "escalate", "DL2", "DL1")


@pytest.mark.requirement("END-ESC-08")
def test_recommend_under_three_plus_three_has_no_boundaries():
    # given DL3 exceeded
    levels = tallies((3, 0), (6, 1), (3, 2))
    # when
    result = recommend(levels, design="3+3", target=0.3, current_code="DL3").as_dict()
    # then
    assert result == {"design": "3+3", "target": 0.3, "lambda_e": None, "lambda_d": None,
                      "current_dose_level": "DL3", "decision": "deescalate",
                      "eliminated": ["DL3"], "mtd": "DL2", "three_plus_three_mtd": "DL2"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"design": "CRM", "target": 0.3, "current_code": None}, "design"),
    ({"design": "BOIN", "target": 1.2, "current_code": None}, "target"),
    ({"design": "BOIN", "target": 0.3, "current_code": "DL9"}, "DL9"),
])
def test_recommend_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        recommend(tallies((3, 0)), **kwargs)


def test_a_tally_cannot_have_more_dlts_than_evaluable_patients():
    with pytest.raises(ValueError):
        LevelTally("DL1", 2, 3)

"""Dose-escalation rules: the 3+3 design and BOIN (docs/spec/endpoints.md, "Dose escalation").

3+3 (Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;45:925–937):
0/3 DLT escalate; 1/3 add three; ≤1/6 escalate; ≥2/3 or ≥2/6 the level is above the MTD,
de-escalate. MTD: the highest level with ≥6 evaluable and ≤1 DLT below every level that exceeded.

BOIN (Liu S, Yuan Y. Bayesian optimal interval designs for phase I clinical trials.
J R Stat Soc C 2015;64:507–523) with target φ, φ1 = 0.6φ, φ2 = 1.4φ:
    λe = ln((1−φ1)/(1−φ)) / ln(φ(1−φ1) / (φ1(1−φ)))
    λd = ln((1−φ)/(1−φ2)) / ln(φ2(1−φ) / (φ(1−φ2)))
At the current level p̂ = k/n: p̂ ≤ λe escalate, p̂ ≥ λd de-escalate, else stay. A level and every
higher one are eliminated when n ≥ 3 and P(p > φ | k, n) > 0.95, posterior Beta(k+1, n−k+1).
MTD: isotonic regression (PAVA, weights n) of (k + 0.05)/(n + 0.1) over the levels with n > 0 that
are not eliminated; the level closest to φ, ties to the higher level below φ, else to the lower.

Conventions where the spec is silent (`decision` is only ever one of the contract's four words):
- Nobody infused (`current_code` None): decision None; `eliminated` and the MTDs are still given.
- No evaluable patient yet at the current level (n = 0): stay, for both designs.
- BOIN, current level eliminated: de-escalate, whatever p̂ says, even from the lowest level —
  "stay" would tell the site to keep giving a dose the design has ruled out; with every level
  eliminated and `mtd` None the report shows that the trial stops.
- BOIN, p̂ ≥ λd at the lowest level that is not eliminated: stay (nothing lower; Liu & Yuan's
  design keeps treating at the lowest dose), the mirror of "escalating past the top means stay".
- 3+3 counts DLTs, not rates, whatever the number evaluable (a BOIN trial can put more than six
  on a level and the report still gives `three_plus_three_mtd`): a level "exceeded" once it has
  ≥2 DLTs (so 2/2, 2/5 and 2/9 all exceed). Under 3 evaluable with ≤1 DLT: stay (the first
  cohort is not complete). 0 DLT with ≥3 evaluable: escalate. 1 DLT: add three at exactly 3
  evaluable, stay at 4–5 (the added three are not all evaluable yet), escalate at ≥6.
- 3+3 never escalates into a level that exceeded: Storer's rule then completes six at the
  current level to confirm it as the MTD — add three at 3 evaluable, otherwise stay. Under 3+3,
  `eliminated` lists the lowest level that exceeded and every level above it, and a current
  level among them (it exceeded, or a lower one did) gives de-escalate.
- 3+3 de-escalation from the lowest level stays "deescalate": no level is tolerable (MTD None).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scipy.optimize import isotonic_regression
from scipy.stats import beta

BOIN = "BOIN"
THREE_PLUS_THREE = "3+3"
DESIGNS = (BOIN, THREE_PLUS_THREE)

Decision = Literal["escalate", "stay", "deescalate", "add_three"]
ESCALATE: Decision = "escalate"
STAY: Decision = "stay"
DEESCALATE: Decision = "deescalate"
ADD_THREE: Decision = "add_three"

# Liu & Yuan's default interval around the target.
PHI1_RATIO = 0.6
PHI2_RATIO = 1.4
ELIMINATION_CUTOFF = 0.95
ELIMINATION_MIN_EVALUABLE = 3
# Shrinkage of k/n in Liu & Yuan's MTD estimate, so that 0/n and n/n do not pin the fit to 0 or 1.
MTD_ESTIMATE_K_SHIFT = 0.05
MTD_ESTIMATE_N_SHIFT = 0.1
# Distances to φ are differences of floats; two levels equally close in exact arithmetic (e.g.
# 0.2 and 0.4 around 0.3) differ in the last bits, and must still be treated as a tie.
TIE_TOLERANCE = 1e-12

THREE_PLUS_THREE_COHORT = 3
THREE_PLUS_THREE_EXPANDED = 6
THREE_PLUS_THREE_EXCEEDED_DLT = 2


@dataclass(frozen=True)
class LevelTally:
    """DLT-evaluable patients and patients with a confirmed DLT at one dose level."""

    code: str
    evaluable: int
    dlt: int

    def __post_init__(self):
        if not 0 <= self.dlt <= self.evaluable:
            raise ValueError(f"{self.code}: need 0 ≤ dlt ≤ evaluable, got "
                             f"{self.dlt} DLT among {self.evaluable} evaluable")


@dataclass(frozen=True)
class Escalation:
    """The report's escalation object (docs/spec/contract.md §4, `dlt.escalation`)."""

    design: str
    target: float
    lambda_e: float | None
    lambda_d: float | None
    current_dose_level: str | None
    decision: Decision | None
    eliminated: tuple[str, ...]
    mtd: str | None
    three_plus_three_mtd: str | None

    def as_dict(self) -> dict:
        return {"design": self.design, "target": self.target, "lambda_e": self.lambda_e,
                "lambda_d": self.lambda_d, "current_dose_level": self.current_dose_level,
                "decision": self.decision, "eliminated": list(self.eliminated),
                "mtd": self.mtd, "three_plus_three_mtd": self.three_plus_three_mtd}


def boin_boundaries(target: float) -> tuple[float, float]:
    """(λe, λd) of Liu & Yuan 2015 for target φ, with φ1 = 0.6φ and φ2 = 1.4φ."""
    if not 0 < target < 1 / PHI2_RATIO:
        raise ValueError(f"BOIN needs 0 < target < {1 / PHI2_RATIO:.4f} (φ2 = 1.4φ < 1), "
                         f"got {target}")
    phi, phi1, phi2 = target, PHI1_RATIO * target, PHI2_RATIO * target
    lambda_e = math.log((1 - phi1) / (1 - phi)) / math.log(phi * (1 - phi1) / (phi1 * (1 - phi)))
    lambda_d = math.log((1 - phi) / (1 - phi2)) / math.log(phi2 * (1 - phi) / (phi * (1 - phi2)))
    return lambda_e, lambda_d


def boin_eliminated(levels: Sequence[LevelTally], target: float,
                    cutoff: float = ELIMINATION_CUTOFF) -> list[str]:
    """Codes of the lowest level with n ≥ 3 and P(p > φ | k, n) > cutoff and of every level above.

    Beta(1, 1) prior, so the posterior is Beta(k + 1, n − k + 1); `sf` keeps precision near 1.
    """
    for index, level in enumerate(levels):
        if level.evaluable >= ELIMINATION_MIN_EVALUABLE and beta.sf(
                target, level.dlt + 1, level.evaluable - level.dlt + 1) > cutoff:
            return [higher.code for higher in levels[index:]]
    return []


def boin_decision(levels: Sequence[LevelTally], target: float,
                  current_code: str | None) -> Decision | None:
    """BOIN's move from the current level (conventions for the edge cases: module docstring)."""
    if current_code is None:
        return None
    index = _index_of(levels, current_code)
    eliminated = set(boin_eliminated(levels, target))
    current = levels[index]
    if current.code in eliminated:
        return DEESCALATE
    if current.evaluable == 0:
        return STAY
    lambda_e, lambda_d = boin_boundaries(target)
    observed_rate = current.dlt / current.evaluable
    if observed_rate <= lambda_e:
        return _escalate_unless_blocked(levels, index, eliminated, blocked=STAY)
    if observed_rate >= lambda_d:
        return DEESCALATE if index > 0 else STAY
    return STAY


def isotonic_dlt_estimates(levels: Sequence[LevelTally]) -> list[float]:
    """Non-decreasing PAVA fit (weights n) of (k + 0.05)/(n + 0.1) per level; each needs n > 0."""
    if any(level.evaluable == 0 for level in levels):
        raise ValueError("isotonic estimates need at least one evaluable patient per level")
    raw = [(level.dlt + MTD_ESTIMATE_K_SHIFT) / (level.evaluable + MTD_ESTIMATE_N_SHIFT)
           for level in levels]
    weights = [level.evaluable for level in levels]
    return [float(x) for x in isotonic_regression(raw, weights=weights).x]


def boin_mtd(levels: Sequence[LevelTally], target: float) -> str | None:
    """The level whose isotonic estimate is closest to φ, among levels with n > 0 not eliminated."""
    eliminated = set(boin_eliminated(levels, target))
    candidates = [level for level in levels
                  if level.evaluable > 0 and level.code not in eliminated]
    if not candidates:
        return None
    estimates = isotonic_dlt_estimates(candidates)
    distances = [abs(estimate - target) for estimate in estimates]
    closest = min(distances)
    tied = [i for i, distance in enumerate(distances) if distance - closest <= TIE_TOLERANCE]
    # Below φ the higher of equally close levels is the better dose; at or above φ the lower.
    if all(estimates[i] < target for i in tied):
        return candidates[max(tied)].code
    return candidates[min(tied)].code


def three_plus_three_exceeded(level: LevelTally) -> bool:
    """≥2/3 or ≥2/6: the level is above the MTD (counted in DLTs, see the module docstring)."""
    return level.dlt >= THREE_PLUS_THREE_EXCEEDED_DLT


def three_plus_three_eliminated(levels: Sequence[LevelTally]) -> list[str]:
    """The lowest level that exceeded and every level above it."""
    for index, level in enumerate(levels):
        if three_plus_three_exceeded(level):
            return [higher.code for higher in levels[index:]]
    return []


def three_plus_three_decision(levels: Sequence[LevelTally],
                              current_code: str | None) -> Decision | None:
    """The 3+3 move from the current level (tallies the rules don't name: module docstring)."""
    if current_code is None:
        return None
    index = _index_of(levels, current_code)
    evaluable, dlt = levels[index].evaluable, levels[index].dlt
    eliminated = set(three_plus_three_eliminated(levels))
    if levels[index].code in eliminated:
        return DEESCALATE
    if evaluable < THREE_PLUS_THREE_COHORT:
        return STAY
    if dlt == 1 and evaluable == THREE_PLUS_THREE_COHORT:
        return ADD_THREE
    if dlt == 1 and evaluable < THREE_PLUS_THREE_EXPANDED:
        return STAY
    # Blocked by a level that exceeded: confirm this one as the MTD with six patients.
    blocked = ADD_THREE if evaluable == THREE_PLUS_THREE_COHORT else STAY
    return _escalate_unless_blocked(levels, index, eliminated, blocked=blocked)


def three_plus_three_mtd(levels: Sequence[LevelTally]) -> str | None:
    """Highest level with ≥6 evaluable and ≤1 DLT below every level that exceeded."""
    below_exceeded = levels[:len(levels) - len(three_plus_three_eliminated(levels))]
    for level in reversed(below_exceeded):
        if level.evaluable >= THREE_PLUS_THREE_EXPANDED and level.dlt <= 1:
            return level.code
    return None


def recommend(levels: Sequence[LevelTally], *, design: str, target: float,
              current_code: str | None) -> Escalation:
    """The escalation object of the report for `levels` ordered lowest → highest dose.

    `current_code` is the level of the most recently infused patient, None before anyone is.
    `decision` and `mtd` follow `design`; `three_plus_three_mtd` is given under either design.
    """
    if design not in DESIGNS:
        raise ValueError(f"unknown escalation design {design!r}; expected one of {DESIGNS}")
    if not 0 < target < 1:
        raise ValueError(f"the target DLT rate must lie in (0, 1), got {target}")
    codes = [level.code for level in levels]
    if len(set(codes)) != len(codes):
        raise ValueError(f"dose-level codes repeat: {codes}")
    if current_code is not None:
        _index_of(levels, current_code)
    if design == BOIN:
        lambda_e, lambda_d = boin_boundaries(target)
        eliminated = boin_eliminated(levels, target)
        decision = boin_decision(levels, target, current_code)
        mtd = boin_mtd(levels, target)
    else:
        lambda_e = lambda_d = None
        eliminated = three_plus_three_eliminated(levels)
        decision = three_plus_three_decision(levels, current_code)
        mtd = three_plus_three_mtd(levels)
    return Escalation(design=design, target=target, lambda_e=lambda_e, lambda_d=lambda_d,
                      current_dose_level=current_code, decision=decision,
                      eliminated=tuple(eliminated), mtd=mtd,
                      three_plus_three_mtd=three_plus_three_mtd(levels))


def _escalate_unless_blocked(levels: Sequence[LevelTally], index: int, eliminated: set[str],
                             *, blocked: Decision) -> Decision:
    """Escalate, unless this is the top level (stay) or the next level is eliminated (`blocked`)."""
    if index + 1 == len(levels):
        return STAY
    if levels[index + 1].code in eliminated:
        return blocked
    return ESCALATE


def _index_of(levels: Sequence[LevelTally], code: str) -> int:
    for index, level in enumerate(levels):
        if level.code == code:
            return index
    raise ValueError(f"current dose level {code!r} is not among {[lv.code for lv in levels]}")

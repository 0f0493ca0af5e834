"""The response category derived from one assessment (docs/spec/clinical-rules.md, "Response").

The criteria are docs/spec/clinical-rules.md's (CLIN-RESP-01…08), in the line of the NCCN
Guidelines' response criteria for acute lymphoblastic leukaemia, with extramedullary T-LBL masses
read per Lugano (Cheson et al., J Clin Oncol 2014;32:3059–3068). The investigator's category is what
the endpoints use; this derivation is checked against it and a disagreement is flagged for the
monitor.

Boundaries, each as the criteria state them (counts in cells/µL, as the CRFs store them):
- Marrow blasts exactly 5% are not "< 5%": not CR/CRi, but inside PR's 5–25%; exactly 25% is PR.
- A fall of exactly 50% from screening is PR; a rise of exactly 25% from the nadir is PD.
- ANC exactly 1000/µL and platelets exactly 100000/µL are recovered (≥): CR rather than CRi.
- MRD exactly 0.01% is positive (negative is < 0.01%, i.e. below 10⁻⁴).

Conventions where the rules are silent:
- Relapse is checked first and needs no marrow: after CR/CRi, marrow blasts ≥ 5%, blasts back in
  the blood (NCCN: "reappearance of blasts in the blood or bone marrow") or any extramedullary
  disease (pr, sd or pd) is PD with a relapse event needed. Extramedullary pd is PD (progression)
  without a marrow too. Otherwise no marrow means NE.
- An assessment is judged in the context of the patient's assessments before it
  (`derive_responses`): those dated earlier and, on the same day, those entered before it (lower
  id; a record not yet saved comes after every saved one of its day). Every page, listing, export
  and report reads the derived category through that one function, in that one order.
- The nadir for PD is the lowest prior on-study marrow value, or the screening value when there is
  none yet. A rise counts only when the marrow is at or above 5%: climbing from 0% to 2% is not
  morphological progression.
- CR/CRi need every part known: peripheral blood and extramedullary status assessed and both
  counts recorded. Marrow < 5% with a part not assessed is NE ("CR cannot be confirmed"), not a
  guess; a count already below its threshold is CRi whatever the other count.
- The overall response is no better than its worst assessed compartment: PR needs the marrow
  < 5% or down ≥ 50% to ≤ 25%, and extramedullary none, cr, pr or not assessed; so marrow < 5%
  with blood blasts or extramedullary pr is PR, and extramedullary pr with a marrow that is not
  responding is SD.
"""

from collections.abc import Iterable, Iterator
from typing import NamedTuple

SCREENING_VISIT = "SCREENING"  # `efficacy.models.Visit.SCREENING`: not an on-study marrow value
PRIOR_CR_CATEGORIES = ("CR", "CRi")
EXTRAMEDULLARY = ("none", "cr", "pr", "sd", "pd", "not_assessed")
CR_MARROW_BLASTS_BELOW_PCT = 5.0
PR_MARROW_BLASTS_MAX_PCT = 25.0
PR_MIN_FALL_FRACTION = 0.50
PD_MIN_RISE_FRACTION = 0.25
ANC_RECOVERED_PER_UL = 1000.0
PLATELETS_RECOVERED_PER_UL = 100000.0
MRD_NEGATIVE_BELOW_PCT = 0.01
# Percentages are entered with one or two decimals; this keeps 20 → 25 an exact 25% rise in
# floating point.
_EPS = 1e-9


# Named tuples, immutable like frozen dataclasses and cheaper to build: a recompute builds one
# of each per assessment of the trial.
class AssessmentValues(NamedTuple):
    marrow_blasts_pct: float | None  # None: marrow not assessed
    peripheral_blasts: bool | None  # None: not assessed
    extramedullary: str = "none"
    anc_per_uL: float | None = None
    platelets_per_uL: float | None = None


class ResponseContext(NamedTuple):
    screening_marrow_blasts_pct: float | None = None
    nadir_marrow_blasts_pct: float | None = None  # lowest prior on-study value
    prior_cr: bool = False  # the patient had CR or CRi before this assessment


class DerivedResponse(NamedTuple):
    category: str  # CR, CRi, PR, SD, PD or NE (`efficacy.models.Response`)
    reason: str
    disease_event: str | None = None  # "relapse" or "progression": a PD needs that record

    @property
    def disease_event_needed(self) -> bool:
        return self.disease_event is not None


def _check(v: AssessmentValues, c: ResponseContext) -> None:
    if v.extramedullary not in EXTRAMEDULLARY:
        raise ValueError(f"extramedullary: {v.extramedullary!r} is not one of "
                         f"{', '.join(EXTRAMEDULLARY)}")
    for name, pct in (("marrow_blasts_pct", v.marrow_blasts_pct),
                      ("screening_marrow_blasts_pct", c.screening_marrow_blasts_pct),
                      ("nadir_marrow_blasts_pct", c.nadir_marrow_blasts_pct)):
        if pct is not None and not 0 <= pct <= 100:
            raise ValueError(f"{name}: {pct} is not a percentage (0–100)")
    for name, count in (("anc_per_uL", v.anc_per_uL), ("platelets_per_uL", v.platelets_per_uL)):
        if count is not None and count < 0:
            raise ValueError(f"{name}: {count} is not a count (≥ 0)")


def _relapse(v: AssessmentValues) -> str | None:
    if v.marrow_blasts_pct is not None and v.marrow_blasts_pct >= CR_MARROW_BLASTS_BELOW_PCT:
        return f"marrow blasts {v.marrow_blasts_pct:g}% (≥ 5%)"
    if v.peripheral_blasts:
        return "blasts back in the peripheral blood"
    if v.extramedullary in ("pr", "sd", "pd"):
        return f"extramedullary disease ({v.extramedullary})"
    return None


def _marrow_rise(marrow: float, c: ResponseContext) -> str | None:
    nadir, name = c.nadir_marrow_blasts_pct, "nadir"
    if nadir is None:
        nadir, name = c.screening_marrow_blasts_pct, "screening value"
    if nadir is None or marrow < CR_MARROW_BLASTS_BELOW_PCT:
        return None
    if marrow > nadir and marrow >= nadir * (1 + PD_MIN_RISE_FRACTION) - _EPS:
        return f"marrow blasts {marrow:g}%, up ≥ 25% from the {name} {nadir:g}%"
    return None


def _marrow_partial(marrow: float, c: ResponseContext) -> str | None:
    screening = c.screening_marrow_blasts_pct
    if screening is None or screening == 0 or marrow > PR_MARROW_BLASTS_MAX_PCT:
        return None
    if marrow <= screening * (1 - PR_MIN_FALL_FRACTION) + _EPS:
        return f"marrow blasts {marrow:g}%, down ≥ 50% from {screening:g}% at screening"
    return None


def _counts(v: AssessmentValues) -> tuple[list[str], list[str]]:
    """(counts below their recovery threshold, counts not recorded)."""
    low, missing = [], []
    for name, count, threshold in (("ANC", v.anc_per_uL, ANC_RECOVERED_PER_UL),
                                   ("platelets", v.platelets_per_uL, PLATELETS_RECOVERED_PER_UL)):
        if count is None:
            missing.append(name)
        elif count < threshold:
            low.append(f"{name} {count:g}/µL < {threshold:g}")
    return low, missing


def _complete(v: AssessmentValues, marrow: float) -> DerivedResponse:
    """CR, CRi, or NE when a part CR needs was not assessed (marrow < 5%, nothing against)."""
    unknown = [part for part, absent in (
        ("peripheral blood", v.peripheral_blasts is None),
        ("extramedullary status", v.extramedullary == "not_assessed")) if absent]
    low, missing = _counts(v)
    if not low:
        unknown += missing  # a count already low makes it CRi whatever the other count
    if unknown:
        return DerivedResponse("NE", "CR cannot be confirmed: " + " and ".join(unknown)
                               + " not assessed")
    if low:
        return DerivedResponse("CRi", f"marrow blasts {marrow:g}% but " + ", ".join(low))
    return DerivedResponse("CR", f"marrow blasts {marrow:g}%, counts recovered")


NO_CONTEXT = ResponseContext()


def derive_response(v: AssessmentValues, c: ResponseContext = NO_CONTEXT) -> DerivedResponse:
    """CR, CRi, PR, SD, PD or NE for one assessment, with the reason in a few words."""
    _check(v, c)
    if c.prior_cr and (sign := _relapse(v)):
        return DerivedResponse("PD", f"relapse after CR/CRi: {sign}", "relapse")
    if v.extramedullary == "pd":
        return DerivedResponse("PD", "new or progressing extramedullary disease", "progression")
    marrow = v.marrow_blasts_pct
    if marrow is None:
        return DerivedResponse("NE", "marrow not assessed")
    if rise := _marrow_rise(marrow, c):
        return DerivedResponse("PD", rise, "progression")
    if marrow < CR_MARROW_BLASTS_BELOW_PCT and v.peripheral_blasts is not True \
            and v.extramedullary in ("none", "cr", "not_assessed"):
        return _complete(v, marrow)
    marrow_responds = (f"marrow blasts {marrow:g}%" if marrow < CR_MARROW_BLASTS_BELOW_PCT
                       else _marrow_partial(marrow, c))
    if marrow_responds and v.extramedullary != "sd":
        extra = " and extramedullary pr" if v.extramedullary == "pr" else ""
        blood = " with blasts in the blood" if v.peripheral_blasts else ""
        return DerivedResponse("PR", f"{marrow_responds}{blood}{extra}")
    return DerivedResponse("SD", f"marrow blasts {marrow:g}%, extramedullary {v.extramedullary}: "
                                 "no CR, PR or PD criterion met")


def derive_responses(assessments: Iterable[tuple[str, str, AssessmentValues]],
                     screening_marrow_blasts_pct: float | None) -> Iterator[DerivedResponse]:
    """The derived category of each of one patient's assessments, given as (visit, the
    investigator's category, values) in series order (module docstring: date, then id), each in
    the context of those before it: the nadir of their on-study marrow values and whether the
    investigator recorded a CR/CRi among them."""
    context = ResponseContext(screening_marrow_blasts_pct)
    nadir, prior_cr = None, False
    for visit, recorded, values in assessments:
        yield derive_response(values, context)
        marrow, changed = values.marrow_blasts_pct, False
        if visit != SCREENING_VISIT and marrow is not None and (nadir is None or marrow < nadir):
            nadir, changed = marrow, True
        if not prior_cr and recorded in PRIOR_CR_CATEGORIES:
            prior_cr = changed = True
        if changed:  # the next assessment's context; unchanged, the same tuple serves again
            context = ResponseContext(screening_marrow_blasts_pct, nadir, prior_cr)


def mrd_negative(mrd_pct: float | None, below_detection: bool = False) -> bool | None:
    """MRD < 0.01% by flow cytometry (10⁻⁴); None when MRD was not measured.

    MRD below the assay's limit of detection (`below_detection`, `mrd_pct` the limit: "<0.01")
    is negative when the limit is ≤ 0.01%: every value below it is below the threshold. With a
    higher limit ("<0.05") it is unknown (None), not negative: the value may be 0.02%."""
    if mrd_pct is None:
        return None
    if not 0 <= mrd_pct <= 100:
        raise ValueError(f"mrd_pct: {mrd_pct} is not a percentage (0–100)")
    if below_detection:
        return True if mrd_pct <= MRD_NEGATIVE_BELOW_PCT else None
    return mrd_pct < MRD_NEGATIVE_BELOW_PCT


def is_mrd_positive_cr(category: str, mrd_pct: float | None,
                       below_detection: bool = False) -> bool | None:
    """A CR/CRi with MRD ≥ 0.01%. False for any other category; None for a CR/CRi whose MRD was
    not measured, or is below a detection limit above the threshold (unknown, not negative)."""
    if category not in ("CR", "CRi"):
        return False
    negative = mrd_negative(mrd_pct, below_detection)
    return None if negative is None else not negative

"""Laboratory results that draw the IEC-HS picture: a pure reading, per patient, of the labs
after the first infusion (no Django; the data review calls it, `endpoints.review`).

After the ASTCT 2023 consensus on immune effector cell-associated HLH-like syndrome (Hines et
al., *Transplant Cell Ther* 2023;29:438.e1–16), this module's reading, kept simple so a monitor
can redo it by hand:
- the anchor is hyperferritinaemia: a ferritin > 2 × the laboratory's ULN (the consensus also
  accepts > 2 × baseline or a rapid rise; neither is read here);
- with at least one companion result collected within 7 days of it (either side):
  ALT or AST > 5 × ULN (the consensus' transaminase threshold with a normal baseline),
  total bilirubin > 1.5 × ULN, fibrinogen < 1.5 g/L (150 mg/dL), or an ANC or platelet count
  of CTCAE grade ≥ 3 (`safety.grading.lab_grade`; not checked to be new: the investigator
  judges it against the lymphodepletion's expected cytopenias);
- only results collected after day 0 (the first infusion's date) are read; a limit the check
  needs (ULN) missing leaves that result out.
A signal is left out when an IEC-HS adverse event covers the ferritin's date (onset on or
before it, unresolved on it). Consecutive signals less than 8 days apart are one episode,
dated at its first ferritin, naming every criterion met and the highest ferritin multiple.
"""

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from safety.grading import lab_grade

WINDOW_DAYS = 7
FERRITIN_ULN_MULTIPLE = 2
TRANSAMINASE_ULN_MULTIPLE = 5
BILIRUBIN_ULN_MULTIPLE = 1.5
FIBRINOGEN_BELOW_G_L = 1.5
IEC_HS_TESTS = ("ferritin", "alt", "ast", "bilirubin", "fibrinogen", "anc", "platelets")


class LabValue(NamedTuple):
    """One current laboratory result as the check reads it (units: `labs.models.TEST_UNITS`)."""

    patient_id: int
    subject_id: str
    test: str
    on: date  # the collection date, in the study's time zone
    value: float
    ref_low: float | None
    ref_high: float | None


@dataclass(frozen=True)
class IecHsSignal:
    """One uncovered episode: the first ferritin's date, every criterion met, the worst
    ferritin as a multiple of its ULN."""

    subject_id: str
    on: date
    criteria: tuple[str, ...]
    ferritin_x_uln: float


def criterion_of(lab: LabValue) -> str | None:
    """The companion criterion a result meets, or None."""
    test, value, high = lab.test, lab.value, lab.ref_high
    if test in ("alt", "ast") and high and value > TRANSAMINASE_ULN_MULTIPLE * high:
        return f"{test.upper()} > {TRANSAMINASE_ULN_MULTIPLE} × ULN"
    if test == "bilirubin" and high and value > BILIRUBIN_ULN_MULTIPLE * high:
        return f"bilirubin > {BILIRUBIN_ULN_MULTIPLE} × ULN"
    if test == "fibrinogen" and value < FIBRINOGEN_BELOW_G_L:
        return f"fibrinogen < {FIBRINOGEN_BELOW_G_L} g/L"
    if test in ("anc", "platelets"):
        graded = lab_grade(test, value, low=lab.ref_low)
        if graded is not None and graded.grade >= 3:
            return f"{'ANC' if test == 'anc' else 'platelets'} grade ≥ 3"
    return None


def _high_ferritin(lab: LabValue) -> bool:
    return lab.test == "ferritin" and bool(lab.ref_high) and (
        lab.value > FERRITIN_ULN_MULTIPLE * lab.ref_high)


def iec_hs_signals(labs: list[LabValue], day0: date | None,
                   covered: list[tuple[date, date | None]]) -> list[IecHsSignal]:
    """One patient's uncovered IEC-HS pictures; `covered`: the (onset, resolution) of each of
    the patient's IEC-HS adverse events."""
    if day0 is None:
        return []
    after = sorted((lab for lab in labs if lab.on > day0), key=lambda lab: lab.on)
    companions = [(lab.on, c) for lab in after if (c := criterion_of(lab))]
    signals: list[IecHsSignal] = []
    last: date | None = None
    for ferritin in filter(_high_ferritin, after):
        met = sorted({c for on, c in companions if abs((on - ferritin.on).days) <= WINDOW_DAYS})
        if not met:
            continue
        if _is_covered(ferritin.on, covered):
            last = None  # an IEC-HS AE ends the episode
            continue
        ratio = ferritin.value / ferritin.ref_high
        if last is not None and (ferritin.on - last).days <= WINDOW_DAYS:
            previous = signals[-1]
            signals[-1] = IecHsSignal(previous.subject_id, previous.on,
                                      tuple(sorted({*previous.criteria, *met})),
                                      max(previous.ferritin_x_uln, ratio))
        else:
            signals.append(IecHsSignal(ferritin.subject_id, ferritin.on, tuple(met), ratio))
        last = ferritin.on
    return signals


def _is_covered(on: date, covered: list[tuple[date, date | None]]) -> bool:
    return any(onset <= on and (resolved is None or on <= resolved)
               for onset, resolved in covered)

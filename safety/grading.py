"""Toxicity grades derived from what the CRFs record (docs/spec/clinical-rules.md).

- CRS and ICANS: ASTCT consensus grading, Lee DW et al., Biol Blood Marrow Transplant
  2019;25:625–638. ICANS in children under 12 is screened with the CAPD (Traube C et al., Crit
  Care Med 2014;42:656–663) in place of the ICE score, as the ASTCT paper recommends.
- Cytopenias: CTCAE v5.0 (NCI, 2017), "Neutrophil count decreased" and "Platelet count decreased".
- Laboratory results (`lab_grade`): CTCAE v5.0 for the counts, haemoglobin, ALT/AST, bilirubin,
  creatinine and fibrinogen from the value and the site's reference range (docs/labs.md).

Pure functions: plain values in (the CRF vocabularies of `safety.models`), a `Graded` out, carrying
the grade and what drove it, so a message can say "grade 3 ICANS (ICE 2)". Nothing here imports
Django.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields

FEVER_C = 38.0

# CTCAE counts are in cells/µL, as the CRFs store them (1.0 ×10⁹/L = 1000/µL). The LLN belongs to
# the site's laboratory; these defaults are common adult reference limits, used when none is given.
# Only grade 1 depends on the LLN: the grade 2–4 cut-offs are CTCAE's fixed numbers, so with a
# (paediatric) LLN below 1500/µL an ANC of 1200/µL is still grade 2.
ANC_LLN_PER_UL = 2000.0
PLATELETS_LLN_PER_UL = 150000.0

CRS_HYPOTENSION_GRADE = {"none": 0, "fluids": 2, "one_vasopressor": 3, "multiple_vasopressors": 4}
CRS_OXYGEN_GRADE = {"none": 0, "low_flow": 2, "high_flow": 3, "positive_pressure": 4}
ICANS_CONSCIOUSNESS_GRADE = {"normal": 0, "awakens_spontaneously": 1, "awakens_to_voice": 2,
                             "awakens_to_touch": 3, "unarousable": 4}
ICANS_SEIZURE_GRADE = {"none": 0, "rapidly_resolving": 3, "prolonged_or_repetitive": 4}
ICANS_EDEMA_GRADE = {"none": 0, "focal": 3, "diffuse": 4}
ICANS_INSTRUMENTS = ("ICE", "CAPD")

# CTCAE cut-offs (cells/µL) for grades 2, 3 and 4: "< 1500 – 1000" means 1000 ≤ ANC < 1500 is
# grade 2, so a count exactly on a cut-off takes the milder grade.
NEUTROPHIL_CUTOFFS_PER_UL = (1500.0, 1000.0, 500.0)
PLATELET_CUTOFFS_PER_UL = (75000.0, 50000.0, 25000.0)


@dataclass(frozen=True)
class Graded:
    """A derived grade (0 = none) and the finding(s) that set it."""

    grade: int
    driver: str

    def describe(self, condition: str) -> str:
        """E.g. "grade 3 ICANS (ICE 2)", or "no ICANS (ICE 10)"."""
        if self.grade == 0:
            return f"no {condition} ({self.driver})"
        return f"grade {self.grade} {condition} ({self.driver})"


@dataclass(frozen=True)
class CrsFindings:
    """The worst values of a CRS episode (`safety.models.CrsDetails`)."""

    max_temp_c: float
    hypotension: str = "none"
    oxygen: str = "none"
    died_of_crs: bool = False
    fever_masked: bool = False  # by antipyretics, tocilizumab or steroids, after fever was present


@dataclass(frozen=True)
class IcansFindings:
    """The domains of an ICANS episode (`safety.models.IcansDetails`)."""

    instrument: str = "ICE"  # "ICE" from age 12, "CAPD" below
    ice_score: int | None = None
    capd_score: int | None = None
    unable_to_assess: bool = False  # ICE: unarousable; CAPD: unable to perform it
    consciousness: str = "normal"
    seizure: str = "none"
    motor_weakness: bool = False
    cerebral_edema: str = "none"
    died_of_icans: bool = False


def _lookup(table: dict[str, int], value: str, field: str) -> int:
    if value not in table:
        raise ValueError(f"{field}: {value!r} is not one of {', '.join(table)}")
    return table[value]


def _worst(domains: list[tuple[int, str]]) -> Graded:
    """The worst grade, naming every domain that reached it (in the order given); with no
    grade, the first domain (the screening score) says what was looked at."""
    grade = max(g for g, _ in domains)
    if grade == 0:
        return Graded(0, domains[0][1])
    return Graded(grade, "; ".join(d for g, d in domains if g == grade))


def crs_grade(f: CrsFindings) -> Graded:
    """ASTCT CRS grade 0–5 (0 = no CRS), the worse of hypotension and hypoxia.

    Fever ≥ 38.0 °C is required for every grade; once it was present, antipyretics or
    anti-cytokine therapy masking it do not lower the grade (`fever_masked`). Hypotension or
    hypoxia without fever is not CRS under ASTCT (it needs another explanation), so it grades 0,
    and the driver says so for the reviewer. Death attributed to CRS is grade 5 whatever the
    temperature: the attribution presupposes the syndrome, and a safety rule must not talk a
    death down to "no CRS" because a fever went unrecorded.
    """
    hypotension = _lookup(CRS_HYPOTENSION_GRADE, f.hypotension, "hypotension")
    oxygen = _lookup(CRS_OXYGEN_GRADE, f.oxygen, "oxygen")
    if f.died_of_crs:
        return Graded(5, "death due to CRS")
    fever = f.max_temp_c >= FEVER_C
    if not fever and not f.fever_masked:
        without = [name for grade, name in ((hypotension, "hypotension"), (oxygen, "hypoxia"))
                   if grade]
        note = f"; {' and '.join(without)} without fever is not CRS" if without else ""
        return Graded(0, f"no fever ≥ {FEVER_C} °C (highest {f.max_temp_c} °C){note}")
    fever_text = f"fever {f.max_temp_c} °C" if fever else "fever masked by treatment"
    return _worst([
        (1, fever_text),
        (hypotension, f"hypotension: {f.hypotension.replace('_', ' ')}"),
        (oxygen, f"oxygen: {f.oxygen.replace('_', ' ')}"),
    ])


def _ice_domain(score: int | None, unable: bool) -> tuple[int, str]:
    if unable:
        return 4, "ICE 0, unarousable"
    if score is None:
        return 0, "ICE not scored"
    if not 0 <= score <= 10:
        raise ValueError(f"ice_score: {score} is not an ICE score (0–10)")
    grade = 0 if score == 10 else 1 if score >= 7 else 2 if score >= 3 else 3
    return grade, f"ICE {score}"


def _capd_domain(score: int | None, unable: bool, consciousness: str) -> tuple[int, str]:
    # ASTCT's paediatric table puts CAPD 1–8 in both grade 1 and grade 2; what separates them is
    # a child who awakens only to voice. The consciousness domain gives that 2 as well; stating
    # it here keeps the driver text in the instrument's terms.
    if unable:
        return 4, "unable to perform CAPD"
    if score is None:
        return 0, "CAPD not scored"
    if not 0 <= score <= 32:
        raise ValueError(f"capd_score: {score} is not a CAPD score (0–32)")
    if score == 0:
        # No delirium features: this domain adds nothing (the others may still grade ICANS).
        return 0, "CAPD 0"
    if score >= 9:
        return 3, f"CAPD {score}"
    if consciousness == "awakens_to_voice":
        return 2, f"CAPD {score}, awakens only to voice"
    return 1, f"CAPD {score}"


def icans_grade(f: IcansFindings) -> Graded:
    """ASTCT ICANS grade 0–5: the worst domain (screening score, consciousness, seizure, motor,
    raised intracranial pressure), 5 for death due to ICANS.

    Attribution ("not attributable to another cause") is the investigator's judgement, made
    before the details are entered; tremor, myoclonus and haemorrhage are CTCAE terms, not ICANS.
    """
    if f.instrument not in ICANS_INSTRUMENTS:
        raise ValueError(f"instrument: {f.instrument!r} is not one of ICE, CAPD")
    consciousness = _lookup(ICANS_CONSCIOUSNESS_GRADE, f.consciousness, "consciousness")
    seizure = _lookup(ICANS_SEIZURE_GRADE, f.seizure, "seizure")
    edema = _lookup(ICANS_EDEMA_GRADE, f.cerebral_edema, "cerebral_edema")
    if f.died_of_icans:
        return Graded(5, "death due to ICANS")
    if f.instrument == "ICE":
        screening = _ice_domain(f.ice_score, f.unable_to_assess)
    else:
        screening = _capd_domain(f.capd_score, f.unable_to_assess, f.consciousness)
    return _worst([
        screening,
        (consciousness, f.consciousness.replace("_", " ")),
        (seizure, f"seizure: {f.seizure.replace('_', ' ')}"),
        (4 if f.motor_weakness else 0, "deep focal motor weakness"),
        (edema, f"cerebral oedema: {f.cerebral_edema}"),
    ])


GRADERS = {"CRS": (CrsFindings, crs_grade), "ICANS": (IcansFindings, icans_grade)}
_FINDINGS_FIELDS = {condition: tuple(f.name for f in fields(findings_class))
                    for condition, (findings_class, _grade) in GRADERS.items()}


def findings_fields(condition: str) -> tuple[str, ...]:
    """The fields of the details record that grade `condition` ("CRS" or "ICANS"), by the CRF's
    names (the findings' fields are named as the CRF's)."""
    return _FINDINGS_FIELDS[condition]


def derive_grade(condition: str, values: Mapping) -> Graded:
    """The ASTCT grade of one CRS or ICANS details record from its values by field name: the one
    derivation every page, the live preview, the recompute, the review and the exports read."""
    findings_class, grade = GRADERS[condition]
    return grade(findings_class(**{name: values[name] for name in _FINDINGS_FIELDS[condition]}))


def _count_grade(count: float, lln: float, cutoffs: tuple[float, ...], name: str) -> Graded:
    if count < 0:
        raise ValueError(f"{name}: {count} is not a count (≥ 0)")
    if lln <= 0:
        raise ValueError(f"LLN: {lln} is not a positive count")
    grade = 1 if count < lln else 0
    for worse, cutoff in enumerate(cutoffs, start=2):
        if count < cutoff:
            grade = worse
    return Graded(grade, f"{name} {count:g}/µL")


def neutrophil_grade(anc_per_uL: float, lln_per_uL: float = ANC_LLN_PER_UL) -> Graded:
    """CTCAE v5.0 "Neutrophil count decreased": < LLN–1500 → 1, < 1500–1000 → 2,
    < 1000–500 → 3, < 500 → 4 (cells/µL; a count on a cut-off takes the milder grade)."""
    return _count_grade(anc_per_uL, lln_per_uL, NEUTROPHIL_CUTOFFS_PER_UL, "ANC")


def platelet_grade(platelets_per_uL: float, lln_per_uL: float = PLATELETS_LLN_PER_UL) -> Graded:
    """CTCAE v5.0 "Platelet count decreased": < LLN–75000 → 1, < 75000–50000 → 2,
    < 50000–25000 → 3, < 25000 → 4 (cells/µL; a count on a cut-off takes the milder grade)."""
    return _count_grade(platelets_per_uL, lln_per_uL, PLATELET_CUTOFFS_PER_UL, "platelets")


# Laboratory results (`labs.models.LabResult`), CTCAE v5.0 (docs/spec/clinical-rules.md, "Other
# adverse events": neutrophils < LLN–1.5, < 1.5–1.0, < 1.0–0.5, < 0.5 ×10⁹/L → 1–4; platelets
# < LLN–75, < 75–50, < 50–25, < 25 ×10⁹/L → 1–4; the other terms as CTCAE v5.0 words them).
# Values come in the lab's units (`LAB_UNITS`); a value on a cut-off takes the milder grade, as
# for the counts above. Cut-offs relative to the site's reference range are multiples of its
# LLN or ULN; without the limit a grade needs, the result is not graded (None), except the counts,
# whose LLN falls back to the adult defaults above. CTCAE grades only "decreased" for the blood
# counts and fibrinogen and "increased" for the liver and kidney tests; CRP, ferritin and IL-6
# have no CTCAE term and are never graded.
LAB_UNITS = {"anc": "10^9/L", "platelets": "10^9/L", "haemoglobin": "g/L",
             "lymphocytes": "10^9/L", "alt": "U/L", "ast": "U/L", "bilirubin": "umol/L",
             "creatinine": "umol/L", "crp": "mg/L", "ferritin": "ug/L", "il6": "pg/mL",
             "fibrinogen": "g/L"}
# "Lymphocyte count decreased": < LLN–800, < 800–500, < 500–200, < 200/mm³ → 1–4.
LYMPHOCYTE_CUTOFFS_PER_UL = (800.0, 500.0, 200.0)
# "Anemia": Hgb < LLN–10.0, < 10.0–8.0, < 8.0 g/dL → 1–3 (100 and 80 g/L). Grade 4 is
# "life-threatening consequences; urgent intervention indicated": a clinical judgement that no
# value gives, so a value grades at most 3.
HAEMOGLOBIN_CUTOFFS_G_L = (100.0, 80.0)
# ×ULN above which grades 2, 3 and 4 begin (grade 1 above the ULN), baseline normal:
# "ALT/AST increased" > ULN–3.0, > 3.0–5.0, > 5.0–20.0, > 20.0 × ULN;
# "Blood bilirubin increased" > ULN–1.5, > 1.5–3.0, > 3.0–10.0, > 10.0 × ULN;
# "Creatinine increased" > ULN–1.5, > 1.5–3.0, > 3.0–6.0, > 6.0 × ULN.
ULN_MULTIPLES = {"alt": (3.0, 5.0, 20.0), "ast": (3.0, 5.0, 20.0),
                 "bilirubin": (1.5, 3.0, 10.0), "creatinine": (1.5, 3.0, 6.0)}
# "Fibrinogen decreased": < 1.0–0.75, < 0.75–0.5, < 0.5–0.25, < 0.25 × LLN → 1–4 (or an
# absolute < 50 mg/dL, 0.5 g/L, → 4).
FIBRINOGEN_LLN_MULTIPLES = (0.75, 0.5, 0.25)
FIBRINOGEN_GRADE4_G_L = 0.5
LAB_NAMES = {"haemoglobin": "Hb", "alt": "ALT", "ast": "AST", "il6": "IL-6", "crp": "CRP"}
LAB_TERMS = {"anc": "neutrophil count decreased", "platelets": "platelet count decreased",
             "lymphocytes": "lymphocyte count decreased", "haemoglobin": "anaemia",
             "alt": "ALT increased", "ast": "AST increased",
             "bilirubin": "blood bilirubin increased", "creatinine": "creatinine increased",
             "fibrinogen": "fibrinogen decreased"}


def _decreased(value: float, lln: float | None, cutoffs: tuple[float, ...]) -> int:
    """Grade 1 below the LLN, then one grade more below each cut-off (strictly below)."""
    grade = 1 if lln is not None and value < lln else 0
    for worse, cutoff in enumerate(cutoffs, start=2):
        if value < cutoff:
            grade = worse
    return grade


def _increased(value: float, uln: float, multiples: tuple[float, ...]) -> int:
    """Grade 1 above the ULN, then one grade more above each multiple of it (strictly above)."""
    grade = 1 if value > uln else 0
    for worse, multiple in enumerate(multiples, start=2):
        if value > multiple * uln:
            grade = worse
    return grade


def lab_grade(test: str, value: float, *, low: float | None = None,
              high: float | None = None) -> Graded | None:
    """CTCAE v5.0 grade of one laboratory result in its unit (`LAB_UNITS`), from the value and
    the site's reference range (`low` = LLN, `high` = ULN); None when the test has no CTCAE
    grade or the limit its grades need is not given."""
    if test not in LAB_UNITS:
        raise ValueError(f"test: {test!r} is not one of {', '.join(LAB_UNITS)}")
    if value < 0:
        raise ValueError(f"{test}: {value} is not a laboratory value (≥ 0)")
    if test == "anc":
        return neutrophil_grade(value * 1000, (low or ANC_LLN_PER_UL / 1000) * 1000)
    if test == "platelets":
        return platelet_grade(value * 1000, (low or PLATELETS_LLN_PER_UL / 1000) * 1000)
    driver = f"{LAB_NAMES.get(test, test)} {value:g} {LAB_UNITS[test]}"
    if test == "lymphocytes":
        lln = None if low is None else low * 1000
        return Graded(_decreased(value * 1000, lln, LYMPHOCYTE_CUTOFFS_PER_UL), driver)
    if test == "haemoglobin":
        return Graded(_decreased(value, low, HAEMOGLOBIN_CUTOFFS_G_L), driver)
    if test in ULN_MULTIPLES and high:
        return Graded(_increased(value, high, ULN_MULTIPLES[test]),
                      f"{driver}, {value / high:.1f} × ULN")
    if test == "fibrinogen" and low:
        grade = _decreased(value, low, tuple(m * low for m in FIBRINOGEN_LLN_MULTIPLES))
        return Graded(4 if value < FIBRINOGEN_GRADE4_G_L else grade,
                      f"{driver}, {value / low:.2f} × LLN")
    return None

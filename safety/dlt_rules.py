"""DLT candidate rules D1–D6 of the RD13-02 phase I protocol (docs/spec/clinical-rules.md).

A candidate is an AE with onset on days 0…`dlt_window_days` after the first infusion and
relatedness possible or stronger that meets a rule. Grades are CTCAE v5.0, ASTCT for CRS and ICANS
(Lee et al., Biol Blood Marrow Transplant 2019;25:625–638) and MAGIC for acute GVHD (Harris et al.,
Biol Blood Marrow Transplant 2016;22:4–10). The investigator confirms or rejects every candidate;
these rules only propose, and each can be switched off and tuned per study.

Conventions where the protocol is silent:
- Days are study days (day 0 = first infusion). A duration is resolution day − onset day in whole
  days, since the CRF records dates; an hour limit is compared as days × 24, so with the default
  72 h a 3-day record (72 h) is within it and a 4-day record (96 h) is beyond it.
- One AE record is one grade: CTCAE practice opens a new record when the grade changes, so the
  onset→resolution span of a grade 3 CRS record is how long grade 3 lasted.
- Unresolved, the span is open: if `as_of_day` already lies beyond the limit the rule fires
  outright; otherwise the candidate is raised with `duration_pending` rather than guessed.
- A rule reads the worse of the recorded grade and the grade derived from the details (ASTCT for
  CRS/ICANS): a disagreement may add a candidate for the investigator, never hide one.
- D4 reads grades 3–4: a grade 5 event is D1's, with no duration to wait for. Its infusion
  reaction exception matters once `infusion_reaction_max_hours` is tuned past the 7-day limit.
- D5 reads the counts when there are any (docs/labs.md, "D5 from the counts"): the matching
  count (ANC for neutropenia, platelets for thrombocytopenia) graded by CTCAE, taken on the
  AE's onset day or later and on or before the recovery day (28). The last of them is the
  state on that day: grade ≤ 2 has recovered; grade 3–4 has not, once the recovery day has
  come (before it, the candidate waits as "duration pending"). A recovery followed by a new
  fall to grade 3–4 before day 28 is not a recovery by day 28.
- D5 without such a count: a grade 4 record still open on that day means grade 4 persisted;
  one resolved on or before that day has recovered (one record, one grade: its grade 4 ended).
  "Duration pending" is only for a record with no resolution date before that day.
- D6 without a MAGIC grade reads the AE's CTCAE grade and says so in the explanation.
- Lymphopenia and T-cell aplasia are expected effects of CD7-directed therapy and are never DLT
  candidates, under any rule (CTCAE has no grade 5 for them; a fatal infection is its own AE).
  B-cell aplasia is not CD7's expected effect: it is haematological (not D4, not D5), so only a
  grade 5 (D1) would raise it. Prolonged cytopenia is recorded with the CTCAE count terms
  (neutrophil or platelet count decreased, anaemia), which D5 judges on day 28.
- Infections and IEC-HS (ASTCT 2023) are non-haematological toxicities: D1 and D4 read them, the
  IEC-HS grade being the AE's grade.
"""

import functools
import re
from dataclasses import dataclass, fields
from typing import NamedTuple

RELATEDNESS = ("unrelated", "unlikely", "possible", "probable", "definite")
ATTRIBUTABLE = frozenset({"possible", "probable", "definite"})

# CTCAE v5.0 terms, and synonyms coordinators type, by the kind the rules tell apart. Matching
# ignores case, hyphens and repeated spaces. A term not listed is "other": a clinical toxicity.
# ICANS is an ASTCT term (CTCAE v5.0 has none); encephalopathy, seizure and tremor stay "other"
# because they may have another cause. Febrile neutropenia is a CTCAE "Blood and lymphatic system
# disorders" term: haematological, judged by D5 on the count. "Lab abnormality without clinical
# meaning" holds Investigations-SOC laboratory readings only; electrolyte terms stay "other"
# because CTCAE grades ≥ 3 of them on clinical criteria (hospitalisation). A service that knows
# better (the investigator marked a lab value clinically significant) passes `kind` itself.
# CTCAE v5.0 "Infections and infestations" terms seen after CAR-T cell therapy; an infection
# is a non-haematological toxicity (D4), with its pathogen and site in `InfectionDetails`.
INFECTION_TERMS = (
    "Sepsis", "Bacteremia", "Lung infection", "Upper respiratory infection",
    "Urinary tract infection", "Catheter related infection", "Device related infection",
    "Skin infection", "Soft tissue infection", "Enterocolitis infectious", "Sinusitis",
    "Meningitis", "Encephalitis infection", "Cytomegalovirus infection reactivation",
    "Epstein-Barr virus infection reactivation", "Herpes simplex reactivation",
    "Hepatitis B reactivation", "Hepatitis viral", "Shingles", "Viremia")
KIND_TERMS: dict[str, tuple[str, ...]] = {
    "crs": ("Cytokine release syndrome", "CRS"),
    "icans": ("Immune effector cell-associated neurotoxicity syndrome", "ICANS"),
    "gvhd": ("Graft versus host disease", "Acute graft versus host disease", "GVHD",
             "aGVHD", "Acute GVHD"),
    "neutropenia": ("Neutrophil count decreased", "Neutropenia", "Febrile neutropenia"),
    "thrombocytopenia": ("Platelet count decreased", "Thrombocytopenia"),
    "lymphopenia": ("Lymphocyte count decreased", "Lymphopenia", "CD4 lymphocytes decreased",
                    "T-cell aplasia", "T-cell lymphopenia"),
    "other_haematological": ("Anemia", "Anaemia", "White blood cell decreased", "Leukopenia",
                             "Bone marrow hypocellular", "B-cell aplasia"),
    "iec_hs": ("Immune effector cell-associated HLH-like syndrome", "IEC-HS"),
    "infection": INFECTION_TERMS,
    "fever": ("Fever", "Pyrexia"),
    "infusion_reaction": ("Infusion related reaction", "Infusion reaction"),
    "lab_abnormality_without_clinical_meaning": (
        "Alanine aminotransferase increased", "ALT increased",
        "Aspartate aminotransferase increased", "AST increased",
        "Alkaline phosphatase increased", "Blood bilirubin increased", "GGT increased",
        "Creatinine increased", "Lipase increased", "Serum amylase increased",
        "Fibrinogen decreased", "INR increased", "Activated partial thromboplastin time prolonged",
        "CPK increased", "Cholesterol high", "Blood lactate dehydrogenase increased"),
}
AE_KINDS = (*KIND_TERMS, "other")
HAEMATOLOGICAL_KINDS = frozenset({"neutropenia", "thrombocytopenia", "lymphopenia",
                                  "other_haematological"})
# D4 is "any other" toxicity: CRS, ICANS and GVHD have D2, D3 and D6; the rest are excepted.
NOT_D4_KINDS = HAEMATOLOGICAL_KINDS | {"crs", "icans", "gvhd", "fever",
                                       "lab_abnormality_without_clinical_meaning"}
KIND_LABELS = {"crs": "CRS", "icans": "ICANS", "gvhd": "acute GVHD", "iec_hs": "IEC-HS"}


def _normalise(term: str) -> str:
    return re.sub(r"[\s\-_]+", " ", term).strip().casefold()


_KIND_BY_TERM = {_normalise(t): kind for kind, terms in KIND_TERMS.items() for t in terms}


@functools.lru_cache(maxsize=4096)  # a trial uses a few hundred terms, each thousands of times
def ae_kind(term: str) -> str:
    """The kind of an AE term (`KIND_TERMS`), "other" for any term not listed."""
    return _KIND_BY_TERM.get(_normalise(term), "other")


@dataclass(frozen=True)
class DltSettings:
    """The study's DLT settings (`core.models.Study`), with the protocol's defaults."""

    dlt_window_days: int = 28
    dlt_rule_d1_grade5: bool = True
    dlt_rule_d2_crs: bool = True
    dlt_rule_d3_icans: bool = True
    dlt_rule_d4_non_haematological: bool = True
    dlt_rule_d5_cytopenia: bool = True
    dlt_rule_d6_gvhd: bool = True
    crs_grade3_max_hours: int = 72
    icans_grade3_max_hours: int = 72
    non_haematological_max_days: int = 7
    infusion_reaction_max_hours: int = 24
    cytopenia_recovery_day: int = 28
    gvhd_min_grade: int = 2


def dlt_settings_from(study) -> DltSettings:
    """DltSettings from any object with the same attribute names (the Study row)."""
    return DltSettings(**{f.name: getattr(study, f.name) for f in fields(DltSettings)})


class _AeFactsFields(NamedTuple):
    term: str
    grade: int  # CTCAE / ASTCT as recorded, 1–5
    onset_day: int | None  # None: the patient was not infused
    relatedness: str
    resolution_day: int | None  # None: unresolved
    crs_grade: int | None  # ASTCT grade derived from the CRS details
    icans_grade: int | None  # ASTCT grade derived from the ICANS details
    gvhd_magic_grade: int | None
    cytopenia_grade_on_recovery_day: int | None  # CTCAE grade of the count; None: unknown
    kind: str  # `AE_KINDS`
    # (study day, CTCAE grade) of each count of the AE's kind for the patient, in day order.
    cytopenia_counts: tuple[tuple[int, int], ...]


class AeFacts(_AeFactsFields):
    """What the rules read of one AE record. Days are study days (day 0 = first infusion).

    A named tuple that checks its values (the rules read one per AE of the trial on every
    recompute); `kind` None is derived from the term by `ae_kind`."""

    __slots__ = ()

    def __new__(cls, term: str, grade: int, onset_day: int | None, relatedness: str,
                resolution_day: int | None = None, crs_grade: int | None = None,
                icans_grade: int | None = None, gvhd_magic_grade: int | None = None,
                cytopenia_grade_on_recovery_day: int | None = None, kind: str | None = None,
                cytopenia_counts: tuple[tuple[int, int], ...] = ()):
        if not 1 <= grade <= 5:
            raise ValueError(f"grade: {grade} is not a CTCAE grade (1–5)")
        if relatedness not in RELATEDNESS:
            raise ValueError(f"relatedness: {relatedness!r} is not one of "
                             f"{', '.join(RELATEDNESS)}")
        if kind is None:
            kind = ae_kind(term)
        elif kind not in AE_KINDS:
            raise ValueError(f"kind: {kind!r} is not one of {', '.join(AE_KINDS)}")
        if resolution_day is not None and onset_day is not None and resolution_day < onset_day:
            raise ValueError("resolution_day: before the onset day")
        return tuple.__new__(cls, (term, grade, onset_day, relatedness, resolution_day,
                                   crs_grade, icans_grade, gvhd_magic_grade,
                                   cytopenia_grade_on_recovery_day, kind, cytopenia_counts))

    @property
    def duration_days(self) -> int | None:
        if self.resolution_day is None or self.onset_day is None:
            return None
        return self.resolution_day - self.onset_day

    @property
    def worst_grade(self) -> int:
        derived = {"crs": self.crs_grade, "icans": self.icans_grade}.get(self.kind)
        return max(self.grade, derived or 0)

    @property
    def label(self) -> str:
        if self.kind in KIND_LABELS:
            return KIND_LABELS[self.kind]
        if self.kind in ("neutropenia", "thrombocytopenia"):
            return self.kind
        # Sentence case for CTCAE's capitalised terms, but leave acronyms ("ALT increased") alone.
        term = self.term.strip()
        return term if term[1:2].isupper() else term[:1].lower() + term[1:]


@dataclass(frozen=True)
class DltFlag:
    rule: str  # "D1" … "D6", the `safety.models.DltRule` codes
    explanation: str  # e.g. "grade 4 ICANS on day 4 — D3"
    duration_pending: bool = False


def is_in_dlt_window(onset_day: int | None, dlt_window_days: int) -> bool:
    """Onset on day 0 … dlt_window_days inclusive (day 28 is in, day 29 out by default)."""
    return onset_day is not None and 0 <= onset_day <= dlt_window_days


def is_attributable(relatedness: str) -> bool:
    """Relatedness to RD13-02 possible or stronger."""
    return relatedness in ATTRIBUTABLE


def _lasting(ae: AeFacts, limit_hours: int, as_of_day: int | None) -> tuple[bool | None, str]:
    """Whether the record outlasted the limit (None: not known yet), and how to say so."""
    if ae.duration_days is not None:
        return ae.duration_days * 24 > limit_hours, f"lasting {ae.duration_days} days"
    if as_of_day is not None and (as_of_day - ae.onset_day) * 24 > limit_hours:
        return True, f"still unresolved on day {as_of_day}"
    return None, "unresolved"


def _too_long(ae: AeFacts, rule: str, limit_hours: int, limit_text: str,
              as_of_day: int | None) -> DltFlag | None:
    beyond, span = _lasting(ae, limit_hours, as_of_day)
    start = f"grade {ae.worst_grade} {ae.label} on day {ae.onset_day}"
    if beyond is None:
        return DltFlag(rule, f"{start}, unresolved: duration pending (limit {limit_text}) — {rule}",
                       duration_pending=True)
    if beyond:
        return DltFlag(rule, f"{start} {span} (> {limit_text}) — {rule}")
    return None


def _d1(ae: AeFacts, s: DltSettings, as_of_day: int | None) -> DltFlag | None:
    if ae.worst_grade == 5:
        return DltFlag("D1", f"grade 5 {ae.label} on day {ae.onset_day} — D1")
    return None


def _d2(ae: AeFacts, s: DltSettings, as_of_day: int | None) -> DltFlag | None:
    if ae.kind != "crs" or ae.worst_grade < 3:
        return None
    if ae.worst_grade >= 4:
        return DltFlag("D2", f"grade {ae.worst_grade} CRS on day {ae.onset_day} — D2")
    return _too_long(ae, "D2", s.crs_grade3_max_hours, f"{s.crs_grade3_max_hours} h", as_of_day)


def _d3(ae: AeFacts, s: DltSettings, as_of_day: int | None) -> DltFlag | None:
    if ae.kind != "icans" or ae.worst_grade < 3:
        return None
    if ae.worst_grade >= 4:
        return DltFlag("D3", f"grade {ae.worst_grade} ICANS on day {ae.onset_day} — D3")
    return _too_long(ae, "D3", s.icans_grade3_max_hours, f"{s.icans_grade3_max_hours} h",
                     as_of_day)


def _d4(ae: AeFacts, s: DltSettings, as_of_day: int | None) -> DltFlag | None:
    # Grade 5 belongs to D1: a fatal event has no duration worth waiting for.
    if ae.kind in NOT_D4_KINDS or ae.worst_grade not in (3, 4):
        return None
    if ae.kind == "infusion_reaction" and ae.duration_days is not None \
            and ae.duration_days * 24 <= s.infusion_reaction_max_hours:
        return None
    days = s.non_haematological_max_days
    return _too_long(ae, "D4", days * 24, f"{days} days", as_of_day)


def _d5(ae: AeFacts, s: DltSettings, as_of_day: int | None) -> DltFlag | None:
    if ae.kind not in ("neutropenia", "thrombocytopenia") or ae.grade < 4:
        return None
    day = s.cytopenia_recovery_day
    start = f"grade {ae.grade} {ae.label} on day {ae.onset_day}"
    last = last_count_by(ae.cytopenia_counts, ae.onset_day, day)
    if last is not None:
        return _d5_by_count(start, last, day, as_of_day)
    if ae.cytopenia_grade_on_recovery_day is not None:
        if ae.cytopenia_grade_on_recovery_day <= 2:
            return None
        return DltFlag("D5", f"{start}, grade {ae.cytopenia_grade_on_recovery_day} on day {day} "
                             f"(not recovered to ≤ 2) — D5")
    # No count on the day: one record is one grade, so a grade 4 record resolved by the day has
    # recovered, and one still open on the day means grade 4 persisted.
    if ae.resolution_day is not None:
        if ae.resolution_day <= day:
            return None
        return DltFlag("D5", f"{start}, still grade {ae.grade} on day {day} — D5")
    if as_of_day is not None and as_of_day >= day:
        return DltFlag("D5", f"{start}, still grade {ae.grade} on day {day} — D5")
    return DltFlag("D5", f"{start}: recovery by day {day} pending — D5", duration_pending=True)


def last_count_by(counts: tuple[tuple[int, int], ...], onset_day: int,
                  recovery_day: int) -> tuple[int, int] | None:
    """The last (day, grade) count taken on days onset…recovery day, None when there is none:
    a count before the onset says nothing of recovery, one after the day comes too late."""
    within = [count for count in counts if onset_day <= count[0] <= recovery_day]
    return max(within, default=None)


def _d5_by_count(start: str, last: tuple[int, int], day: int,
                 as_of_day: int | None) -> DltFlag | None:
    count_day, grade = last
    if grade <= 2:
        return None
    if count_day == day or (as_of_day is not None and as_of_day >= day):
        return DltFlag("D5", f"{start}, count grade {grade} on day {count_day}, the last by day "
                             f"{day} (not recovered to ≤ 2) — D5")
    return DltFlag("D5", f"{start}, count grade {grade} on day {count_day}: recovery by day "
                         f"{day} pending — D5", duration_pending=True)


def _d6(ae: AeFacts, s: DltSettings, as_of_day: int | None) -> DltFlag | None:
    if ae.kind != "gvhd":
        return None
    # Without a MAGIC grade the AE's CTCAE grade stands in, and the explanation says so.
    if ae.gvhd_magic_grade is not None:
        grade, source = ae.gvhd_magic_grade, "MAGIC grade"
    else:
        grade, source = ae.grade, "CTCAE grade (no MAGIC grade recorded)"
    if grade < s.gvhd_min_grade:
        return None
    return DltFlag("D6", f"acute GVHD {source} {grade} on day {ae.onset_day} "
                         f"(≥ {s.gvhd_min_grade}) — D6")


RULES = (("dlt_rule_d1_grade5", _d1), ("dlt_rule_d2_crs", _d2), ("dlt_rule_d3_icans", _d3),
         ("dlt_rule_d4_non_haematological", _d4), ("dlt_rule_d5_cytopenia", _d5),
         ("dlt_rule_d6_gvhd", _d6))


def dlt_flags(ae: AeFacts, settings: DltSettings, *, as_of_day: int | None = None
              ) -> list[DltFlag]:
    """The switched-on rules D1–D6 the AE meets, in rule order (empty: not a candidate).

    `as_of_day` is the study day of the data cut-off; it lets an unresolved record that has
    already outlasted a limit fire outright instead of waiting as "duration pending".
    """
    if not is_in_dlt_window(ae.onset_day, settings.dlt_window_days):
        return []
    if not is_attributable(ae.relatedness) or ae.kind == "lymphopenia":
        return []
    flags = (rule(ae, settings, as_of_day) for rule in _switched_on(settings))
    return [flag for flag in flags if flag is not None]


@functools.lru_cache(maxsize=16)
def _switched_on(settings: DltSettings) -> tuple:
    """The rules the study's settings switch on, worked out once per settings, not per AE."""
    return tuple(rule for switch, rule in RULES if getattr(settings, switch))

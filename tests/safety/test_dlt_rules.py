"""DLT candidate rules D1–D6, at the window, relatedness and duration boundaries."""

import subprocess
import sys
from dataclasses import replace
from types import SimpleNamespace

import pytest

from safety.dlt_rules import AeFacts, DltFlag, DltSettings, ae_kind, dlt_flags, dlt_settings_from

DEFAULTS = DltSettings()


TWO_DAYS_LATER = object()


def ae(term="Cytokine release syndrome", grade=3, onset_day=3, relatedness="probable",
       resolution_day=TWO_DAYS_LATER, **details) -> AeFacts:
    if resolution_day is TWO_DAYS_LATER:
        resolution_day = None if onset_day is None else onset_day + 2
    return AeFacts(term=term, grade=grade, onset_day=onset_day, relatedness=relatedness,
                   resolution_day=resolution_day, **details)


def rules(facts: AeFacts, settings: DltSettings = DEFAULTS, **kwargs) -> list[str]:
    return [flag.rule for flag in dlt_flags(facts, settings, **kwargs)]


# --- the AE kind classifier ----------------------------------------------------------------------


@pytest.mark.parametrize(("term", "kind"), [
    ("Cytokine release syndrome", "crs"),
    ("cytokine  release SYNDROME ", "crs"),
    ("ICANS", "icans"),
    ("Immune effector cell associated neurotoxicity syndrome", "icans"),
    ("Graft-versus-host disease", "gvhd"),
    ("Neutrophil count decreased", "neutropenia"),
    ("Febrile neutropenia", "neutropenia"),
    ("Platelet count decreased", "thrombocytopenia"),
    ("Lymphocyte count decreased", "lymphopenia"),
    ("T cell aplasia", "lymphopenia"),
    ("Anemia", "other_haematological"),
    ("Fever", "fever"),
    ("Infusion-related reaction", "infusion_reaction"),
    ("Alanine aminotransferase increased", "lab_abnormality_without_clinical_meaning"),
    ("Hypokalemia", "other"),       # electrolytes: CTCAE grade ≥ 3 is clinical
    ("Encephalopathy", "other"),    # not ICANS unless recorded as ICANS
    ("Sepsis", "infection"),  # its pathogen and site in the infection details; D4 reads it
])
def test_ae_kind(term, kind):
    assert ae_kind(term) == kind


# --- eligibility: window and relatedness ---------------------------------------------------------


@pytest.mark.parametrize(("onset_day", "flagged"), [
    (None, False),  # not infused
    (-1, False),    # during lymphodepletion
    (0, True),
    (28, True),     # the window is inclusive
    (29, False),
])
@pytest.mark.requirement("CLIN-DLT-01", "END-DLT-01", "CLIN-VIS-01")
def test_dlt_window(onset_day, flagged):
    facts = ae("Sepsis", grade=5, onset_day=onset_day, resolution_day=None)
    assert (rules(facts) == ["D1"]) is flagged


@pytest.mark.requirement("CLIN-GEN-02", "CLIN-DLT-02")
def test_a_longer_window_from_the_study_settings():
    facts = ae("Sepsis", grade=5, onset_day=29, resolution_day=None)
    assert rules(facts, replace(DEFAULTS, dlt_window_days=42)) == ["D1"]


@pytest.mark.parametrize(("relatedness", "flagged"), [
    ("unrelated", False), ("unlikely", False),
    ("possible", True), ("probable", True), ("definite", True),
])
@pytest.mark.requirement("CLIN-DLT-01", "END-DLT-01")
def test_relatedness_possible_or_stronger(relatedness, flagged):
    facts = ae("Sepsis", grade=5, relatedness=relatedness, resolution_day=None)
    assert bool(rules(facts)) is flagged


# --- D1–D3 ---------------------------------------------------------------------------------------


@pytest.mark.requirement("CLIN-D1-01", "CLIN-GEN-01")
def test_d1_any_grade_5_event():
    # a fatal event is D1's alone: D4 does not wait on its duration
    assert dlt_flags(ae("Sepsis", grade=5, onset_day=9, resolution_day=None), DEFAULTS) == [
        DltFlag("D1", "grade 5 sepsis on day 9 — D1")]


@pytest.mark.requirement("CLIN-D1-01", "CLIN-D2-01")
def test_grade_5_crs_meets_d1_and_d2():
    assert rules(ae(grade=5)) == ["D1", "D2"]


# Durations are whole days from the dates (resolution − onset); an hour limit reads days × 24.
@pytest.mark.parametrize(("term", "grade", "resolution_day", "expected"), [
    ("Cytokine release syndrome", 2, 20, []),
    ("Cytokine release syndrome", 3, 6, []),        # 3 days = 72 h: not more than 72 h
    ("Cytokine release syndrome", 3, 7, ["D2"]),    # 4 days = 96 h > 72 h
    ("Cytokine release syndrome", 4, 3, ["D2"]),    # grade 4: any duration
    ("ICANS", 2, 20, []),
    ("ICANS", 3, 6, []),
    ("ICANS", 3, 7, ["D3"]),
    ("ICANS", 4, 3, ["D3"]),
])
@pytest.mark.requirement("CLIN-D2-01", "CLIN-D2-02", "CLIN-D3-01", "CLIN-D3-02")
def test_d2_d3_grade_and_duration(term, grade, resolution_day, expected):
    assert rules(ae(term, grade=grade, onset_day=3, resolution_day=resolution_day)) == expected


@pytest.mark.requirement("CLIN-DLT-02", "CLIN-D2-02")
def test_a_shorter_hour_limit_catches_three_days():
    # given a study that allows grade 3 CRS only 48 h
    settings = replace(DEFAULTS, crs_grade3_max_hours=48)
    # then a 3-day record (72 h) is beyond it
    assert rules(ae(grade=3, onset_day=3, resolution_day=6), settings) == ["D2"]


@pytest.mark.requirement("CLIN-D2-01")
def test_the_derived_astct_grade_counts_when_worse_than_recorded():
    facts = ae(grade=3, resolution_day=4, crs_grade=4)
    assert dlt_flags(facts, DEFAULTS) == [DltFlag("D2", "grade 4 CRS on day 3 — D2")]


@pytest.mark.requirement("CLIN-D3-02", "CLIN-GEN-01")
def test_d3_message():
    facts = ae("ICANS", grade=4, onset_day=4)
    assert dlt_flags(facts, DEFAULTS)[0].explanation == "grade 4 ICANS on day 4 — D3"


# --- unresolved records --------------------------------------------------------------------------


@pytest.mark.parametrize(("term", "grade", "rule"), [
    ("Cytokine release syndrome", 3, "D2"),
    ("ICANS", 3, "D3"),
    ("Hypertension", 3, "D4"),
])
@pytest.mark.requirement("CLIN-DLT-03")
def test_unresolved_is_raised_with_duration_pending(term, grade, rule):
    flags = dlt_flags(ae(term, grade=grade, resolution_day=None), DEFAULTS)
    assert [(f.rule, f.duration_pending) for f in flags] == [(rule, True)]
    assert "duration pending" in flags[0].explanation


@pytest.mark.parametrize(("as_of_day", "pending"), [
    (6, True),     # open 3 days: still within 72 h, so not known yet
    (7, False),    # open 4 days: already beyond 72 h, whatever the resolution date
])
@pytest.mark.requirement("CLIN-DLT-03")
def test_an_open_record_already_past_the_limit_fires_outright(as_of_day, pending):
    flags = dlt_flags(ae(grade=3, onset_day=3, resolution_day=None), DEFAULTS,
                      as_of_day=as_of_day)
    assert [(f.rule, f.duration_pending) for f in flags] == [("D2", pending)]


# --- D4 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("term", "grade", "resolution_day", "expected"), [
    ("Hypertension", 3, 10, []),            # 7 days: not more than 7
    ("Hypertension", 3, 11, ["D4"]),        # 8 days
    ("Hypertension", 2, 30, []),
    ("Fever", 3, 20, []),
    ("Alanine aminotransferase increased", 4, 20, []),
    ("Infusion related reaction", 3, 4, []),        # resolved within 24 h: excepted
    ("Infusion related reaction", 3, 12, ["D4"]),   # a reaction lasting 9 days is not
    ("Anemia", 3, 20, []),                  # haematological
    ("Cytokine release syndrome", 3, 4, []),  # CRS has D2, not D4
    ("Graft versus host disease", 1, 20, []),
])
@pytest.mark.requirement("CLIN-D4-01")
def test_d4_non_haematological(term, grade, resolution_day, expected):
    assert rules(ae(term, grade=grade, onset_day=3, resolution_day=resolution_day)) == expected


@pytest.mark.requirement("CLIN-D4-01", "CLIN-GEN-01")
def test_d4_explanation():
    facts = ae("Hypertension", grade=3, onset_day=5, resolution_day=13)
    assert dlt_flags(facts, DEFAULTS)[0].explanation == (
        "grade 3 hypertension on day 5 lasting 8 days (> 7 days) — D4")


@pytest.mark.requirement("CLIN-D4-01")
def test_a_lab_value_the_investigator_calls_clinically_significant_is_read_by_d4():
    facts = ae("ALT increased", grade=3, resolution_day=15, kind="other")
    assert rules(facts) == ["D4"]


@pytest.mark.requirement("CLIN-D4-01", "CLIN-DLT-02")
def test_a_longer_infusion_reaction_limit_excepts_a_nine_day_reaction():
    settings = replace(DEFAULTS, infusion_reaction_max_hours=240)
    assert rules(ae("Infusion related reaction", onset_day=3, resolution_day=12), settings) == []


# --- D5 and lymphopenia --------------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "grade_on_day_28", "expected"), [
    (4, 3, [("D5", False)]),
    (4, 2, []),                 # recovered to ≤ 2
    (3, 3, []),                 # only grade 4 counts
])
@pytest.mark.requirement("CLIN-D5-01")
def test_d5_recovery_by_day_28(grade, grade_on_day_28, expected):
    facts = ae("Neutrophil count decreased", grade=grade, onset_day=2, resolution_day=None,
               cytopenia_grade_on_recovery_day=grade_on_day_28)
    assert [(f.rule, f.duration_pending) for f in dlt_flags(facts, DEFAULTS)] == expected


@pytest.mark.parametrize(("resolution_day", "as_of_day", "expected"), [
    (None, 20, [("D5", True)]),     # unresolved, day 28 not reached: recovery pending
    (None, None, [("D5", True)]),   # unresolved, the day not known: pending, not guessed
    (None, 28, [("D5", False)]),    # unresolved on day 28: grade 4 persisted
    (None, 40, [("D5", False)]),    # unresolved after day 28
    (29, None, [("D5", False)]),    # resolved the day after day 28: grade 4 lasted past it
    (30, 40, [("D5", False)]),
    (20, None, []),                 # resolved before day 28: recovered, nothing pending
    (20, 20, []),
    (28, 35, []),                   # resolved on day 28 itself: recovered by day 28
])
@pytest.mark.requirement("CLIN-D5-01")
def test_d5_without_a_day_28_count(resolution_day, as_of_day, expected):
    facts = ae("Platelet count decreased", grade=4, onset_day=2, resolution_day=resolution_day)
    flags = dlt_flags(facts, DEFAULTS, as_of_day=as_of_day)
    assert [(f.rule, f.duration_pending) for f in flags] == expected


@pytest.mark.requirement("CLIN-D5-01", "CLIN-GEN-01")
def test_d5_explanation():
    facts = ae("Neutrophil count decreased", grade=4, onset_day=2, resolution_day=None,
               cytopenia_grade_on_recovery_day=3)
    assert dlt_flags(facts, DEFAULTS)[0].explanation == (
        "grade 4 neutropenia on day 2, grade 3 on day 28 (not recovered to ≤ 2) — D5")


@pytest.mark.parametrize("term", ["Lymphocyte count decreased", "T-cell aplasia"])
@pytest.mark.requirement("CLIN-D5-01")
def test_lymphopenia_is_never_a_dlt(term):
    facts = ae(term, grade=4, onset_day=1, relatedness="definite", resolution_day=None,
               cytopenia_grade_on_recovery_day=4)
    assert rules(facts, as_of_day=60) == []


# --- D6 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("magic_grade", "min_grade", "expected"), [
    (1, 2, []),
    (2, 2, ["D6"]),
    (2, 3, []),
    (4, 3, ["D6"]),
])
@pytest.mark.requirement("CLIN-D6-01", "CLIN-DLT-02")
def test_d6_gvhd_at_or_above_the_threshold(magic_grade, min_grade, expected):
    facts = ae("Acute GVHD", grade=2, onset_day=20, gvhd_magic_grade=magic_grade)
    assert rules(facts, replace(DEFAULTS, gvhd_min_grade=min_grade)) == expected


@pytest.mark.requirement("CLIN-D6-01")
def test_d6_without_a_magic_grade_uses_the_ctcae_grade_and_says_so():
    facts = ae("Graft versus host disease", grade=3, onset_day=20)
    assert dlt_flags(facts, DEFAULTS)[0].explanation == (
        "acute GVHD CTCAE grade (no MAGIC grade recorded) 3 on day 20 (≥ 2) — D6")


# --- switches ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("switch", "facts"), [
    ("dlt_rule_d1_grade5", ae("Sepsis", grade=5)),
    ("dlt_rule_d2_crs", ae(grade=4)),
    ("dlt_rule_d3_icans", ae("ICANS", grade=4)),
    ("dlt_rule_d4_non_haematological", ae("Hypertension", grade=3, resolution_day=None)),
    ("dlt_rule_d5_cytopenia", ae("Neutrophil count decreased", grade=4,
                                 cytopenia_grade_on_recovery_day=4)),
    ("dlt_rule_d6_gvhd", ae("GVHD", gvhd_magic_grade=3)),
])
@pytest.mark.requirement("CLIN-DLT-02")
def test_each_rule_can_be_switched_off(switch, facts):
    # given an AE that the rule flags with every switch on
    assert rules(facts) != []
    # when the study switches that rule off
    settings = replace(DEFAULTS, **{switch: False})
    # then nothing else picks it up
    assert rules(facts, settings) == []


@pytest.mark.requirement("CLIN-GEN-02")
def test_settings_from_a_study_like_object():
    study = SimpleNamespace(**{**vars(DltSettings()), "crs_grade3_max_hours": 48,
                               "dlt_rule_d6_gvhd": False, "protocol_id": "RD13-02-PH1"})
    assert dlt_settings_from(study) == replace(DEFAULTS, crs_grade3_max_hours=48,
                                               dlt_rule_d6_gvhd=False)


@pytest.mark.parametrize("bad", [
    {"grade": 0}, {"grade": 6}, {"relatedness": "likely"}, {"kind": "toxicity"},
    {"onset_day": 5, "resolution_day": 4},
])
def test_impossible_facts_are_refused(bad):
    with pytest.raises(ValueError):
        ae(**bad)


@pytest.mark.requirement("CLIN-GEN-01")
def test_it_imports_nothing_from_django():
    code = ("import sys, safety.dlt_rules; "
            "sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0

"""ASTCT CRS/ICANS and CTCAE cytopenia grades, case by case at every boundary the rules name."""

import subprocess
import sys

import pytest

from safety.grading import (
    CrsFindings,
    Graded,
    IcansFindings,
    crs_grade,
    derive_grade,
    icans_grade,
    neutrophil_grade,
    platelet_grade,
)

# --- CRS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("max_temp_c", "fever_masked", "grade"), [
    (38.0, False, 1),   # exactly 38.0 °C is fever
    (37.9, False, 0),
    (36.5, True, 1),    # masked by tocilizumab/steroids: fever once present still counts
    (40.2, False, 1),
])
@pytest.mark.requirement("CLIN-CRS-02", "CLIN-CRS-03")
def test_fever_threshold(max_temp_c, fever_masked, grade):
    assert crs_grade(CrsFindings(max_temp_c, fever_masked=fever_masked)).grade == grade


@pytest.mark.parametrize(("hypotension", "grade"), [
    ("none", 1),
    ("fluids", 2),
    ("one_vasopressor", 3),          # with or without vasopressin: the CRF folds it in here
    ("multiple_vasopressors", 4),    # vasopressin not counted: the CRF's choice already says so
])
@pytest.mark.requirement("CLIN-CRS-03", "CLIN-CRS-04", "CLIN-CRS-05", "CLIN-CRS-06")
def test_each_hypotension_value_grades(hypotension, grade):
    assert crs_grade(CrsFindings(39.0, hypotension=hypotension)).grade == grade


@pytest.mark.parametrize(("oxygen", "grade"), [
    ("none", 1),
    ("low_flow", 2),
    ("high_flow", 3),
    ("positive_pressure", 4),
])
@pytest.mark.requirement("CLIN-CRS-03", "CLIN-CRS-04", "CLIN-CRS-05", "CLIN-CRS-06")
def test_each_oxygen_value_grades(oxygen, grade):
    assert crs_grade(CrsFindings(39.0, oxygen=oxygen)).grade == grade


@pytest.mark.parametrize(("hypotension", "oxygen", "grade"), [
    ("fluids", "high_flow", 3),
    ("multiple_vasopressors", "low_flow", 4),
    ("one_vasopressor", "low_flow", 3),
    ("none", "positive_pressure", 4),
])
@pytest.mark.requirement("CLIN-CRS-08")
def test_the_worse_of_hypotension_and_hypoxia_sets_the_grade(hypotension, oxygen, grade):
    assert crs_grade(CrsFindings(38.5, hypotension=hypotension, oxygen=oxygen)).grade == grade


def test_both_domains_at_the_grade_are_named():
    result = crs_grade(CrsFindings(38.5, hypotension="one_vasopressor", oxygen="high_flow"))
    assert result.driver == "hypotension: one vasopressor; oxygen: high flow"


@pytest.mark.requirement("CLIN-CRS-02")
def test_hypotension_and_hypoxia_without_fever_is_not_crs():
    # given vasopressors and positive pressure but no fever, never masked
    findings = CrsFindings(37.2, hypotension="multiple_vasopressors", oxygen="positive_pressure")
    # when
    result = crs_grade(findings)
    # then ASTCT says no CRS, and the reviewer is told why
    assert result.grade == 0
    assert "hypotension and hypoxia without fever is not CRS" in result.driver


@pytest.mark.requirement("CLIN-CRS-02")
def test_masked_fever_keeps_the_hypoxia_grade():
    assert crs_grade(CrsFindings(37.0, oxygen="high_flow", fever_masked=True)).grade == 3


@pytest.mark.parametrize("max_temp_c", [39.5, 37.0])
@pytest.mark.requirement("CLIN-CRS-07")
def test_death_due_to_crs_is_grade_5(max_temp_c):
    assert crs_grade(CrsFindings(max_temp_c, died_of_crs=True)) == Graded(5, "death due to CRS")


def test_message_names_the_driver():
    result = crs_grade(CrsFindings(39.1, hypotension="fluids"))
    assert result.describe("CRS") == "grade 2 CRS (hypotension: fluids)"


@pytest.mark.parametrize("findings", [
    CrsFindings(39.0, hypotension="vasopressin"),
    CrsFindings(39.0, oxygen="nasal"),
])
def test_unknown_vocabulary_is_refused(findings):
    with pytest.raises(ValueError, match="is not one of"):
        crs_grade(findings)


# --- ICANS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("ice_score", "grade"), [
    (10, 0), (9, 1), (7, 1), (6, 2), (3, 2), (2, 3), (0, 3),
])
@pytest.mark.requirement("CLIN-ICANS-03")
def test_ice_score_boundaries(ice_score, grade):
    assert icans_grade(IcansFindings(ice_score=ice_score)).grade == grade


@pytest.mark.requirement("CLIN-ICANS-03")
def test_ice_unarousable_is_grade_4():
    result = icans_grade(IcansFindings(ice_score=0, unable_to_assess=True))
    assert (result.grade, result.driver) == (4, "ICE 0, unarousable")


@pytest.mark.parametrize(("capd_score", "unable", "consciousness", "grade"), [
    (0, False, "normal", 0),                  # no delirium features: CAPD adds nothing
    (1, False, "normal", 1),
    (8, False, "normal", 1),
    (8, False, "awakens_to_voice", 2),        # the child awakens only to voice
    (9, False, "normal", 3),
    (None, True, "normal", 4),                # unable to perform CAPD
])
@pytest.mark.requirement("CLIN-ICANS-09")
def test_capd_for_children(capd_score, unable, consciousness, grade):
    findings = IcansFindings(instrument="CAPD", capd_score=capd_score, unable_to_assess=unable,
                             consciousness=consciousness)
    assert icans_grade(findings).grade == grade


def test_capd_driver_reads_in_the_instruments_terms():
    findings = IcansFindings(instrument="CAPD", capd_score=5, consciousness="awakens_to_voice")
    assert icans_grade(findings).describe("ICANS") == (
        "grade 2 ICANS (CAPD 5, awakens only to voice; awakens to voice)")


@pytest.mark.parametrize(("consciousness", "grade"), [
    ("normal", 0),
    ("awakens_spontaneously", 1),
    ("awakens_to_voice", 2),
    ("awakens_to_touch", 3),
    ("unarousable", 4),
])
@pytest.mark.requirement("CLIN-ICANS-04")
def test_depressed_consciousness(consciousness, grade):
    assert icans_grade(IcansFindings(ice_score=10, consciousness=consciousness)).grade == grade


@pytest.mark.parametrize(("seizure", "grade"), [
    ("none", 0), ("rapidly_resolving", 3), ("prolonged_or_repetitive", 4),
])
@pytest.mark.requirement("CLIN-ICANS-05")
def test_seizure_kinds(seizure, grade):
    assert icans_grade(IcansFindings(ice_score=10, seizure=seizure)).grade == grade


@pytest.mark.parametrize(("cerebral_edema", "grade"), [("none", 0), ("focal", 3), ("diffuse", 4)])
@pytest.mark.requirement("CLIN-ICANS-07")
def test_focal_versus_diffuse_oedema(cerebral_edema, grade):
    assert icans_grade(IcansFindings(ice_score=10, cerebral_edema=cerebral_edema)).grade == grade


@pytest.mark.requirement("CLIN-ICANS-06")
def test_deep_focal_motor_weakness_is_grade_4():
    result = icans_grade(IcansFindings(ice_score=8, motor_weakness=True))
    assert (result.grade, result.driver) == (4, "deep focal motor weakness")


@pytest.mark.requirement("CLIN-ICANS-08")
def test_death_due_to_icans_is_grade_5():
    assert icans_grade(IcansFindings(ice_score=0, died_of_icans=True)).grade == 5


@pytest.mark.requirement("CLIN-ICANS-02")
def test_worst_domain_wins_and_is_named():
    # given an adult with ICE 2 (grade 3) who awakens to voice (grade 2)
    findings = IcansFindings(ice_score=2, consciousness="awakens_to_voice")
    # then the ICE score drives the grade
    assert icans_grade(findings).describe("ICANS") == "grade 3 ICANS (ICE 2)"


def test_no_icans_reads_plainly():
    assert icans_grade(IcansFindings(ice_score=10)).describe("ICANS") == "no ICANS (ICE 10)"


@pytest.mark.parametrize("findings", [
    IcansFindings(instrument="GCS"),
    IcansFindings(ice_score=11),
    IcansFindings(instrument="CAPD", capd_score=33),
    IcansFindings(seizure="absence"),
])
def test_impossible_icans_findings_are_refused(findings):
    with pytest.raises(ValueError):
        icans_grade(findings)


# --- CTCAE cytopenias ----------------------------------------------------------------------------


@pytest.mark.parametrize(("anc_per_uL", "grade"), [
    (2000, 0),      # at the default LLN
    (1999, 1),
    (1500, 1),      # exactly 1500: "< 1500" is grade 2, so still grade 1
    (1499, 2),
    (1000, 2),
    (999, 3),
    (500, 3),
    (499, 4),
    (0, 4),
])
@pytest.mark.requirement("CLIN-AE-02")
def test_neutrophil_boundaries(anc_per_uL, grade):
    assert neutrophil_grade(anc_per_uL).grade == grade


@pytest.mark.parametrize(("platelets_per_uL", "grade"), [
    (150000, 0),    # at the default LLN
    (100000, 1),    # the CR recovery threshold is still below the LLN
    (75000, 1),
    (74999, 2),
    (50000, 2),
    (49999, 3),
    (25000, 3),
    (24999, 4),
])
@pytest.mark.requirement("CLIN-AE-03")
def test_platelet_boundaries(platelets_per_uL, grade):
    assert platelet_grade(platelets_per_uL).grade == grade


@pytest.mark.parametrize(("anc_per_uL", "lln_per_uL", "grade"), [
    (1700, 1800, 1),
    (1800, 1800, 0),
    (1200, 1000, 2),   # an LLN below 1500 does not soften CTCAE's fixed grade 2 cut-off
])
@pytest.mark.requirement("CLIN-AE-02")
def test_the_laboratorys_lln_decides_grade_1(anc_per_uL, lln_per_uL, grade):
    assert neutrophil_grade(anc_per_uL, lln_per_uL=lln_per_uL).grade == grade


def test_count_driver_carries_the_unit():
    assert neutrophil_grade(420).describe("neutropenia") == "grade 4 neutropenia (ANC 420/µL)"


@pytest.mark.parametrize(("count", "lln"), [(-1, 2000), (100, 0)])
def test_impossible_counts_are_refused(count, lln):
    with pytest.raises(ValueError):
        neutrophil_grade(count, lln_per_uL=lln)


@pytest.mark.requirement("CLIN-GEN-01")
def test_it_imports_nothing_from_django():
    code = ("import sys, safety.grading; "
            "sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize(("condition", "values", "expected"), [
    ("CRS", {"max_temp_c": 39.0, "hypotension": "one_vasopressor", "oxygen": "none",
             "died_of_crs": False, "fever_masked": False, "id": 7}, crs_grade(CrsFindings(
                 39.0, "one_vasopressor"))),
    ("ICANS", {"instrument": "ICE", "ice_score": 2, "capd_score": None,
               "unable_to_assess": False, "consciousness": "normal", "seizure": "none",
               "motor_weakness": False, "cerebral_edema": "none", "died_of_icans": False,
               "adverse_event_id": 3}, icans_grade(IcansFindings(ice_score=2))),
])
def test_a_details_record_is_graded_from_its_values_by_field_name(condition, values, expected):
    # other columns of the record (ids) are ignored
    assert derive_grade(condition, values) == expected

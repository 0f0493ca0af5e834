"""CTCAE v5.0 grades of laboratory results (safety.grading.lab_grade): pure, no database."""

import pytest

from labs.models import TEST_UNITS
from safety.grading import LAB_UNITS, lab_grade


@pytest.mark.parametrize(("value", "grade"), [
    (2.0, 0), (1.79, 1), (1.5, 1), (1.49, 2), (1.0, 2), (0.99, 3), (0.5, 3), (0.49, 4), (0.0, 4)])
def test_anc_in_10e9_per_litre_against_the_sites_lln(value, grade):
    # Neutrophils < LLN–1.5, < 1.5–1.0, < 1.0–0.5, < 0.5 ×10⁹/L → 1–4 (clinical-rules.md);
    # a value on a cut-off takes the milder grade.
    assert lab_grade("anc", value, low=1.8, high=7.5).grade == grade


@pytest.mark.parametrize(("value", "grade"), [
    (150, 0), (149, 1), (75, 1), (74.9, 2), (50, 2), (49, 3), (25, 3), (24, 4)])
def test_platelets_in_10e9_per_litre(value, grade):
    assert lab_grade("platelets", value, low=150, high=400).grade == grade


def test_without_a_range_the_counts_fall_back_to_the_adult_lln():
    assert lab_grade("anc", 1.9).grade == 1  # default LLN 2.0 ×10⁹/L
    assert lab_grade("platelets", 140).grade == 1  # default LLN 150 ×10⁹/L


@pytest.mark.parametrize(("value", "grade"), [(125, 0), (110, 1), (99, 2), (80, 2), (79, 3),
                                              (40, 3)])
def test_haemoglobin_in_g_per_litre_grades_at_most_3(value, grade):
    # Anaemia < LLN–100, < 100–80, < 80 g/L → 1–3; grade 4 is a clinical judgement.
    assert lab_grade("haemoglobin", value, low=120, high=160).grade == grade


@pytest.mark.parametrize(("test", "value", "grade"), [
    ("alt", 40, 0), ("alt", 41, 1), ("alt", 120, 1), ("alt", 121, 2), ("alt", 201, 3),
    ("alt", 801, 4), ("ast", 250, 3),
    ("bilirubin", 21, 0), ("bilirubin", 31.5, 1), ("bilirubin", 40, 2), ("bilirubin", 70, 3),
    ("bilirubin", 211, 4),
    ("creatinine", 100, 0), ("creatinine", 150, 1), ("creatinine", 151, 2),
    ("creatinine", 301, 3), ("creatinine", 601, 4)])
def test_liver_and_kidney_tests_by_multiples_of_the_uln(test, value, grade):
    # ALT/AST > ULN–3, > 3–5, > 5–20, > 20 × ULN; bilirubin > ULN–1.5, > 1.5–3, > 3–10, > 10 × ULN;
    # creatinine > ULN–1.5, > 1.5–3, > 3–6, > 6 × ULN. ULN: ALT/AST 40 U/L, bilirubin 21 µmol/L,
    # creatinine 100 µmol/L.
    uln = {"alt": 40, "ast": 40, "bilirubin": 21, "creatinine": 100}[test]
    assert lab_grade(test, value, low=0, high=uln).grade == grade


def test_a_uln_graded_test_without_a_uln_is_not_graded():
    assert lab_grade("alt", 500, low=0) is None


@pytest.mark.parametrize(("value", "grade"), [(2.0, 0), (1.9, 1), (1.4, 2), (0.9, 3), (0.45, 4)])
def test_fibrinogen_by_multiples_of_the_lln(value, grade):
    # < 1.0–0.75, < 0.75–0.5, < 0.5–0.25, < 0.25 × LLN (or < 0.5 g/L) → 1–4; LLN 2.0 g/L.
    assert lab_grade("fibrinogen", value, low=2.0, high=4.0).grade == grade


@pytest.mark.parametrize("test", ["crp", "ferritin", "il6"])
def test_inflammation_markers_have_no_ctcae_grade(test):
    assert lab_grade(test, 5000, low=0, high=5) is None


def test_lymphocytes_are_graded_though_never_a_dlt():
    assert lab_grade("lymphocytes", 0.15, low=1.0).grade == 4


def test_the_grading_and_the_model_agree_on_every_unit():
    assert {str(test): str(unit) for test, unit in TEST_UNITS.items()} == LAB_UNITS


def test_an_unknown_test_or_a_negative_value_is_refused():
    with pytest.raises(ValueError, match="not one of"):
        lab_grade("troponin", 1.0)
    with pytest.raises(ValueError, match="not a laboratory value"):
        lab_grade("alt", -1.0, high=40)

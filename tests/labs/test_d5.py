"""D5 (grade 4 neutropenia or thrombocytopenia not recovering to ≤ grade 2 by day 28) reads
recovery from the counts when there are any, and the AE record only when there are none.

Hand-worked cases on the production path (read_trial_rows → safety_rows_of → the rules), day 0 =
2024-03-12 (the infused_patient fixture), so day 28 = 2024-04-09. ANC LLN 1.8 ×10⁹/L: 0.3 is
grade 4, 0.8 grade 3, 1.2 grade 2.
"""

from datetime import date

import pytest

from safety.dlt_rules import AeFacts, DltSettings, dlt_flags, last_count_by
from safety.models import DltCandidate
from tests import factories
from tests.dlt import reconcile_candidates, trial_safety_rows

AFTER_DAY_28 = date(2024, 4, 30)
ONSET_DAY_2 = date(2024, 3, 14)


def _neutropenia(patient, **fields):
    """Grade 4 neutropenia from day 2, possibly related, still open unless told."""
    values = dict(term="Neutrophil count decreased", grade=4, onset_date=ONSET_DAY_2,
                  relatedness="possible")
    values.update(fields)
    return factories.adverse_event(patient, **values)


def _anc(patient, day, value):
    return factories.lab_result(patient, day=day, test="anc", value=value, ref_low=1.8,
                                ref_high=7.5)


def _d5():
    return list(DltCandidate.objects.filter(rule="D5").values_list("explanation", flat=True))


@pytest.mark.django_db
def test_recovered_to_grade_2_by_day_28_is_not_d5(infused_patient):
    # given an AE still open in the CRF, but counts grade 4 on day 3, grade 3 on day 14 and
    # grade 2 on day 25: the last count by day 28 is grade 2
    _neutropenia(infused_patient)
    _anc(infused_patient, 3, 0.3)
    _anc(infused_patient, 14, 0.8)
    _anc(infused_patient, 25, 1.2)
    # when
    reconcile_candidates(today=AFTER_DAY_28)
    # then the counts decide, not the open record
    assert _d5() == []


@pytest.mark.django_db
def test_not_recovered_by_day_28_is_d5_naming_the_last_count(infused_patient):
    # given an AE the CRF says resolved on day 10, but counts that stay grade 3 to day 27
    _neutropenia(infused_patient, resolution_date=date(2024, 3, 22))
    _anc(infused_patient, 3, 0.3)
    _anc(infused_patient, 20, 1.2)  # recovered to grade 2 …
    _anc(infused_patient, 27, 0.8)  # … and fell again to grade 3 before day 28
    # when
    reconcile_candidates(today=AFTER_DAY_28)
    # then
    assert _d5() == ["grade 4 neutropenia on day 2, count grade 3 on day 27, the last by day 28 "
                     "(not recovered to ≤ 2) — D5"]


@pytest.mark.django_db
def test_no_counts_falls_back_to_the_ae_record(infused_patient):
    # given no count at all: the record, open past day 28, says grade 4 persisted
    _neutropenia(infused_patient)
    reconcile_candidates(today=AFTER_DAY_28)
    assert _d5() == ["grade 4 neutropenia on day 2, still grade 4 on day 28 — D5"]


@pytest.mark.django_db
def test_no_counts_and_a_record_resolved_by_day_28_is_not_d5(infused_patient):
    _neutropenia(infused_patient, resolution_date=date(2024, 3, 30))  # day 18
    reconcile_candidates(today=AFTER_DAY_28)
    assert _d5() == []


@pytest.mark.django_db
def test_counts_only_before_the_onset_say_nothing_of_recovery(infused_patient):
    # given a normal count on day 1, before the day-2 onset: the AE record decides
    _anc(infused_patient, 1, 4.0)
    _neutropenia(infused_patient)
    reconcile_candidates(today=AFTER_DAY_28)
    assert len(_d5()) == 1


@pytest.mark.django_db
def test_before_day_28_a_grade_4_count_leaves_d5_pending(infused_patient):
    _neutropenia(infused_patient)
    _anc(infused_patient, 10, 0.3)
    reconcile_candidates(today=date(2024, 3, 25))  # day 13
    candidate = DltCandidate.objects.get(rule="D5")
    assert candidate.duration_pending
    assert "recovery by day 28 pending" in candidate.explanation


@pytest.mark.django_db
def test_platelets_grade_thrombocytopenia_not_neutropenia(infused_patient):
    # given recovered platelets but no ANC: the neutropenia falls back to its record
    factories.adverse_event(infused_patient, term="Platelet count decreased", grade=4,
                            onset_date=ONSET_DAY_2, relatedness="possible")
    _neutropenia(infused_patient)
    factories.lab_result(infused_patient, day=20, test="platelets", value=120, ref_low=150)
    reconcile_candidates(today=AFTER_DAY_28)
    assert _d5() == ["grade 4 neutropenia on day 2, still grade 4 on day 28 — D5"]


@pytest.mark.django_db
def test_a_voided_count_is_not_read(infused_patient):
    from core.audit import record_void

    _neutropenia(infused_patient)
    count = _anc(infused_patient, 25, 1.2)
    record_void(count, by=factories.user("coordinator"), reason="wrong patient")
    [row] = trial_safety_rows()
    assert row.counts == ()


def test_the_last_count_by_the_day_is_taken_from_onset_to_the_recovery_day():
    counts = ((1, 0), (3, 4), (28, 2), (29, 4))
    assert last_count_by(counts, onset_day=2, recovery_day=28) == (28, 2)
    assert last_count_by(counts, onset_day=2, recovery_day=27) == (3, 4)
    assert last_count_by(((1, 0), (35, 0)), onset_day=2, recovery_day=28) is None


def test_the_rule_itself_with_counts_in_study_days():
    ae = AeFacts("Neutrophil count decreased", 4, 2, "possible",
                 cytopenia_counts=((3, 4), (28, 3)))
    [flag] = dlt_flags(ae, DltSettings(), as_of_day=28)
    assert flag.rule == "D5" and "count grade 3 on day 28" in flag.explanation
    recovered = ae._replace(cytopenia_counts=((3, 4), (28, 2)))
    assert dlt_flags(recovered, DltSettings(), as_of_day=28) == []

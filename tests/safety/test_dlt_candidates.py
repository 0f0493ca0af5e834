"""DLT candidates raised by the rules on the saved data, kept in line as the data change."""

from datetime import date

import pytest

from core.audit import record_save
from endpoints.snapshots import recompute
from safety.models import DltCandidate
from safety.services import dlt_candidate_raise
from tests import factories
from tests.dlt import reconcile_candidates

pytestmark = pytest.mark.django_db
DAY0 = date(2024, 3, 12)  # the infused_patient fixture's first infusion


@pytest.mark.requirement("END-DLT-01", "CLIN-D2-01", "CLIN-GEN-01")
def test_grade_4_crs_in_the_window_is_raised_with_its_rule_and_reason(infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4, onset_date=date(2024, 3, 14),
                                 resolution_date=date(2024, 3, 18))
    factories.crs_details(ae, hypotension="multiple_vasopressors", oxygen="none")

    assert reconcile_candidates(today=date(2024, 4, 30)) == {"raised": 1, "updated": 0,
                                                            "voided": 0}

    candidate = DltCandidate.objects.get()
    assert candidate.rule == "D2" and candidate.raised_by is None
    assert "day 2" in candidate.explanation and "D2" in candidate.explanation
    assert candidate.history.first().history_user.username == "system"


def test_the_sync_is_idempotent(infused_patient):
    factories.adverse_event(infused_patient, grade=5, onset_date=date(2024, 3, 20),
                            term="Sepsis", relatedness="possible", outcome="fatal")
    reconcile_candidates(today=date(2024, 4, 30))
    assert reconcile_candidates(today=date(2024, 4, 30)) == {"raised": 0, "updated": 0,
                                                            "voided": 0}
    assert DltCandidate.objects.get().rule == "D1"


@pytest.mark.requirement("CON-AUD-02")
def test_a_candidate_the_rules_no_longer_support_is_voided_not_deleted(infused_patient,
                                                                       coordinator):
    ae = factories.adverse_event(infused_patient, grade=4, onset_date=date(2024, 3, 14),
                                 resolution_date=date(2024, 3, 18))
    reconcile_candidates(today=date(2024, 4, 30))
    ae.relatedness = "unlikely"
    record_save(ae, by=coordinator, reason="investigator re-assessed causality")

    assert reconcile_candidates(today=date(2024, 4, 30))["voided"] == 1
    assert not DltCandidate.objects.exists()
    assert DltCandidate.all_objects.get().void_reason == \
        "the DLT rules no longer flag this event"


@pytest.mark.parametrize(("onset", "relatedness", "term", "raised"), [
    (date(2024, 4, 9), "possible", "Cytokine release syndrome", True),    # day 28
    (date(2024, 4, 10), "possible", "Cytokine release syndrome", False),  # day 29
    (date(2024, 3, 14), "unlikely", "Cytokine release syndrome", False),
    (date(2024, 3, 14), "definite", "Lymphocyte count decreased", False),
])
@pytest.mark.requirement("CLIN-DLT-01", "CLIN-D5-01")
def test_window_relatedness_and_lymphopenia(infused_patient, onset, relatedness, term, raised):
    factories.adverse_event(infused_patient, grade=4, onset_date=onset, term=term,
                            relatedness=relatedness, resolution_date=date(2024, 4, 20))
    reconcile_candidates(today=date(2024, 5, 30))
    assert DltCandidate.objects.exists() is raised


@pytest.mark.requirement("CLIN-DLT-03")
def test_an_unresolved_grade_3_icans_is_raised_as_duration_pending(infused_patient):
    factories.adverse_event(infused_patient, grade=3, onset_date=date(2024, 3, 16),
                            term="Immune effector cell-associated neurotoxicity syndrome")
    reconcile_candidates(today=date(2024, 3, 17))
    candidate = DltCandidate.objects.get()
    assert (candidate.rule, candidate.duration_pending) == ("D3", True)


@pytest.mark.requirement("CLIN-DLT-04")
def test_an_investigator_raises_what_the_rules_missed_and_the_sync_keeps_it(infused_patient,
                                                                            investigator):
    ae = factories.adverse_event(infused_patient, grade=2, term="Rash maculo-papular",
                                 onset_date=date(2024, 3, 20))
    dlt_candidate_raise(adverse_event=ae, by=investigator, rationale="skin GVHD suspected")
    reconcile_candidates(today=date(2024, 4, 30))
    candidate = DltCandidate.objects.get()
    assert (candidate.rule, candidate.raised_by) == ("INV", investigator)


@pytest.mark.requirement("END-DLT-02")
def test_unadjudicated_candidates_are_the_reports_pending(infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4, onset_date=date(2024, 3, 14),
                                 resolution_date=date(2024, 3, 18))
    report = recompute(date(2024, 6, 30)).report
    assert report["dlt"]["by_dose_level"][0]["pending"] == 1
    factories.adjudication(ae, decision="confirmed")
    report = recompute(date(2024, 6, 30)).report
    assert report["dlt"]["by_dose_level"][0]["pending"] == 0
    assert report["dlt"]["by_dose_level"][0]["dlt"] == 1


def test_a_grade_4_neutropenia_resolved_by_day_28_is_no_pending_candidate(infused_patient):
    # given a grade 4 neutropenia from day 3 that resolved on day 20, before day 28
    factories.adverse_event(infused_patient, grade=4, term="Neutrophil count decreased",
                            onset_date=date(2024, 3, 15), resolution_date=date(2024, 4, 1))
    # when the endpoints are recomputed long after
    report = recompute(date(2024, 6, 30)).report
    # then it has recovered: no D5 candidate, nothing pending in the DLT table
    assert not DltCandidate.objects.exists()
    assert report["dlt"]["by_dose_level"][0]["pending"] == 0


def test_the_candidates_a_reconcile_would_leave_are_computed_without_writing(infused_patient,
                                                                             investigator):
    # given one candidate the rules would raise and one an investigator raised
    from safety.services import dlt_candidates_as_reconciled, dlt_candidates_reconcile
    from tests.conftest import clinical_row_counts
    from tests.dlt import trial_safety_rows

    factories.adverse_event(infused_patient, grade=5, onset_date=date(2024, 3, 20),
                            term="Sepsis", relatedness="possible", outcome="fatal")
    missed = factories.adverse_event(infused_patient, grade=3, onset_date=date(2024, 3, 25),
                                     term="Pneumonitis", relatedness="unlikely")
    dlt_candidate_raise(adverse_event=missed, by=investigator, rationale="clinically a DLT")
    rows, before = trial_safety_rows(), clinical_row_counts()
    # when
    computed = dlt_candidates_as_reconciled(rows, today=date(2024, 4, 30))
    # then nothing is written, and the reconcile leaves exactly those
    assert clinical_row_counts() == before
    reconciled = dlt_candidates_reconcile(rows, today=date(2024, 4, 30))
    assert reconciled.counts["raised"] == 1
    assert computed == reconciled.candidates
    assert {rule for _ae, rule in computed} == {"D1", "INV"}

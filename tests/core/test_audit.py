from datetime import date

import pytest
from django.core.exceptions import ValidationError

from core.audit import (
    ClinicalDeletionError,
    MissingChangeReasonError,
    StaleRecordError,
    field_changes,
    record_save,
    record_void,
)
from monitoring import reviews
from patients.models import Patient
from safety.adjudication import dlt_adjudication_revoke
from safety.models import AdverseEvent, CrsDetails, DltAdjudication, DltCandidate, GvhdDetails
from safety.services import dlt_candidate_raise
from signoff.services import casebook_sign
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.requirement("CON-AUD-01")
def test_creation_is_recorded_with_who_and_initial_reason(coordinator):
    patient = factories.patient()

    [entry] = field_changes(patient)

    assert entry["type"] == "created"
    assert entry["who"] == coordinator.username
    assert entry["reason"] == "initial entry"


@pytest.mark.requirement("CON-AUD-01")
def test_an_edit_records_who_when_old_new_and_why(coordinator, monitor):
    patient = factories.patient(age_at_consent=27)
    patient.age_at_consent = 28

    record_save(patient, by=monitor, reason="source document says 28")

    latest = field_changes(patient)[0]
    assert latest["who"] == monitor.username
    assert latest["reason"] == "source document says 28"
    assert latest["changes"] == [{"field": "age_at_consent", "old": 27, "new": 28}]
    assert latest["when"] is not None


def test_a_long_reason_is_kept_whole(monitor):
    """Reasons are people's words: PostgreSQL would refuse one past a fixed column width."""
    patient = factories.patient(age_at_consent=27)
    patient.age_at_consent = 28
    reason = "; ".join(["source document (clinic letter of the referring centre) says 28"] * 6)

    record_save(patient, by=monitor, reason=reason)

    assert len(reason) > 300
    assert field_changes(patient)[0]["reason"] == reason


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.requirement("CON-AUD-01")
def test_an_edit_without_a_reason_is_refused_and_changes_nothing(coordinator, reason):
    patient = factories.patient(age_at_consent=27)
    patient.age_at_consent = 28

    with pytest.raises(MissingChangeReasonError) as refused:
        record_save(patient, by=coordinator, reason=reason)

    assert "reason for change is required" in str(refused.value)
    assert Patient.objects.get(pk=patient.pk).age_at_consent == 27
    assert patient.history.count() == 1


@pytest.mark.requirement("CON-AUD-01")
def test_even_a_direct_model_save_needs_a_reason(coordinator):
    patient = factories.patient()
    patient.age_at_consent = 40

    with pytest.raises(MissingChangeReasonError):
        patient.save()

    assert Patient.objects.get(pk=patient.pk).age_at_consent == 27


def test_the_reason_covers_one_save_only(coordinator):
    patient = factories.patient()
    record_save(patient, by=coordinator, reason="typo")

    with pytest.raises(MissingChangeReasonError):
        patient.save()


@pytest.mark.requirement("CON-AUD-02")
def test_records_cannot_be_deleted_one_by_one_or_in_bulk(infused_patient):
    ae = factories.adverse_event(infused_patient)

    with pytest.raises(ClinicalDeletionError, match="never deleted"):
        ae.delete()
    with pytest.raises(ClinicalDeletionError):
        AdverseEvent.objects.all().delete()

    assert AdverseEvent.all_objects.filter(pk=ae.pk).exists()


@pytest.mark.requirement("CON-AUD-02")
def test_voiding_needs_a_reason(infused_patient, coordinator):
    ae = factories.adverse_event(infused_patient)

    with pytest.raises(ValidationError, match="reason is required"):
        record_void(ae, by=coordinator, reason=" ")

    assert AdverseEvent.objects.filter(pk=ae.pk).exists()


@pytest.mark.requirement("CON-AUD-02")
def test_a_voided_record_leaves_the_data_but_keeps_its_history(infused_patient, monitor):
    ae = factories.adverse_event(infused_patient)

    record_void(ae, by=monitor, reason="entered on the wrong patient")

    assert not AdverseEvent.objects.filter(pk=ae.pk).exists()
    kept = AdverseEvent.all_objects.get(pk=ae.pk)
    assert kept.is_voided and kept.voided_by == monitor
    assert field_changes(kept)[0]["reason"] == "voided: entered on the wrong patient"
    assert not infused_patient.adverse_events.exists()


def test_an_edit_from_an_out_of_date_copy_is_refused(coordinator, monitor):
    factories.patient(age_at_consent=27)
    first_copy = Patient.objects.get(subject_id="RD-001")
    second_copy = Patient.objects.get(subject_id="RD-001")
    first_copy.age_at_consent = 28
    record_save(first_copy, by=coordinator, reason="corrected from the source")
    second_copy.sex = "F"

    with pytest.raises(StaleRecordError, match="changed by someone else"):
        record_save(second_copy, by=monitor, reason="other fix")

    current = Patient.objects.get(subject_id="RD-001")
    assert (current.age_at_consent, current.sex, current.row_version) == (28, "M", 2)


def test_an_invalid_edit_changes_nothing(coordinator):
    patient = factories.patient()
    patient.age_at_consent = 130

    with pytest.raises(ValidationError) as refused:
        record_save(patient, by=coordinator, reason="typo")

    assert refused.value.message_dict["age_at_consent"] == ["130 is not an age in years (0–120)"]
    current = Patient.objects.get(pk=patient.pk)
    assert (current.age_at_consent, current.row_version, current.history.count()) == (27, 1, 1)


# --- voiding a record that others belong to ------------------------------------------------


@pytest.fixture
def graded_event(infused_patient, investigator):
    """A grade 4 CRS with its details, a GVHD record, a rule's and an investigator's candidate."""
    ae = factories.adverse_event(infused_patient, grade=4, onset_date=date(2024, 3, 14))
    factories.crs_details(ae, hypotension="multiple_vasopressors")
    factories.gvhd_details(ae)
    factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="grade 4 CRS"))
    dlt_candidate_raise(adverse_event=ae, by=investigator, rationale="also suspected GVHD")
    return ae


def test_voiding_an_adverse_event_voids_its_details_and_candidates_with_the_same_reason(
        graded_event, coordinator):
    # when
    record_void(graded_event, by=coordinator, reason="entered on the wrong patient")
    # then: every part is voided, kept, and audited with the event's reason
    parts = [*CrsDetails.all_objects.all(), *GvhdDetails.all_objects.all(),
             *DltCandidate.all_objects.all()]
    assert len(parts) == 4
    for part in parts:
        assert part.is_voided and part.voided_by == coordinator
        assert part.void_reason == "entered on the wrong patient"
        assert field_changes(part)[0]["reason"] == "voided: entered on the wrong patient"
    assert not CrsDetails.objects.exists() and not DltCandidate.objects.exists()


def test_an_adverse_event_with_a_signed_decision_is_not_voided(graded_event, coordinator,
                                                               investigator):
    # given a signed DLT decision on the event
    factories.adjudication(graded_event, by=investigator)
    history_before = CrsDetails.history.count() + DltCandidate.history.count()
    # when a coordinator voids the event
    with pytest.raises(ValidationError) as refused:
        record_void(graded_event, by=coordinator, reason="duplicate")
    # then the refusal says who must do what, and nothing changed
    assert refused.value.messages == [
        "Not voided: this adverse event has a signed DLT decision. An investigator must first "
        "revoke the decision on the DLT review page; then the event can be voided."]
    assert AdverseEvent.objects.filter(pk=graded_event.pk).exists()
    assert CrsDetails.objects.count() == 1 and DltCandidate.objects.count() == 2
    assert DltAdjudication.objects.count() == 1
    assert CrsDetails.history.count() + DltCandidate.history.count() == history_before
    assert not graded_event.is_voided


def test_once_the_decision_is_revoked_the_event_is_voided(graded_event, coordinator,
                                                         investigator):
    signed = factories.adjudication(graded_event, by=investigator)
    dlt_adjudication_revoke(adjudication=signed, by=investigator,
                            password="a-long-test-passphrase", reason="event entered twice")
    record_void(graded_event, by=coordinator, reason="duplicate")
    assert not AdverseEvent.objects.filter(pk=graded_event.pk).exists()
    assert not DltCandidate.objects.exists()


def test_a_lock_on_one_part_refuses_the_whole_void(graded_event, infused_patient, coordinator,
                                                   monitor):
    # given the GVHD details locked by a monitor
    reviews.form_lock(record=GvhdDetails.objects.get(), patient=infused_patient, by=monitor)
    # when the event is voided
    with pytest.raises(ValidationError, match="was locked by Test Monitor"):
        record_void(graded_event, by=coordinator, reason="duplicate")
    # then nothing is voided, not even the CRS details, which come before the locked part
    assert AdverseEvent.objects.filter(pk=graded_event.pk).exists()
    assert CrsDetails.objects.count() == 1 and DltCandidate.objects.count() == 2


def test_a_patient_with_current_records_is_not_voided_and_they_are_named(infused_patient,
                                                                         coordinator):
    factories.adverse_event(infused_patient)
    with pytest.raises(ValidationError) as refused:
        record_void(infused_patient, by=coordinator, reason="enrolled twice")
    assert refused.value.messages == [
        "Not voided: this patient still has current records (1 lymphodepletion, 1 infusion, "
        "1 adverse event): void them first."]
    assert Patient.objects.filter(pk=infused_patient.pk).exists()


def test_a_patient_whose_casebook_is_signed_is_not_voided(coordinator, investigator):
    patient = factories.patient()
    casebook_sign(patient=patient, by=investigator, password="a-long-test-passphrase")
    with pytest.raises(ValidationError, match="An investigator must first revoke the signature"):
        record_void(patient, by=coordinator, reason="enrolled twice")
    assert Patient.objects.filter(pk=patient.pk).exists()

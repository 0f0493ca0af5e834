"""Form and casebook locks hold for every writer: the audited save itself, the admin, the
casebook import (API and command) and the browser; each refusal names the record and the lock."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import LockedRecordError, record_save, record_void
from monitoring import reviews
from monitoring.locks import locks_on
from patients.models import Patient
from safety.models import AdverseEvent, DltCandidate
from tests import factories
from tests.core.test_admin import change_url, patient_form
from tests.data import DEMO_CASEBOOK, demo_casebook
from tests.exchange.test_casebook_api import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def adverse_event(infused_patient):
    return factories.adverse_event(infused_patient, grade=3)


def lock_form(record, patient, monitor):
    return reviews.form_lock(record=record, patient=patient, by=monitor)


def lock_casebook(patient, monitor):
    return reviews.casebook_lock(patient=patient, by=monitor, reason="ready for database lock")


def test_an_audited_save_of_a_locked_form_is_refused_naming_record_and_lock(
        adverse_event, infused_patient, monitor, coordinator):
    # given
    lock_form(adverse_event, infused_patient, monitor)
    adverse_event.grade = 2
    # when
    with pytest.raises(LockedRecordError) as refused:
        record_save(adverse_event, by=coordinator, reason="source re-checked")
    # then
    message = refused.value.messages[0]
    assert f"adverse event #{adverse_event.pk} of RD-001 was locked by Test Monitor" in message
    assert AdverseEvent.objects.get(pk=adverse_event.pk).grade == 3


def test_voiding_a_locked_form_is_refused_and_leaves_the_record_untouched(
        adverse_event, infused_patient, monitor, coordinator):
    lock_form(adverse_event, infused_patient, monitor)
    with pytest.raises(LockedRecordError):
        record_void(adverse_event, by=coordinator, reason="wrong patient")
    assert not adverse_event.is_voided
    assert not AdverseEvent.all_objects.get(pk=adverse_event.pk).is_voided


def test_a_locked_casebook_refuses_new_changed_and_voided_records_of_that_patient_only(
        adverse_event, infused_patient, monitor, coordinator):
    # given
    other = factories.patient("RD-002")
    lock_casebook(infused_patient, monitor)
    # when / then: the patient's own record, a record of its adverse event, a new record
    infused_patient.age_at_consent = 28
    with pytest.raises(LockedRecordError, match="The casebook of RD-001 was locked"):
        record_save(infused_patient, by=coordinator, reason="typo")
    with pytest.raises(LockedRecordError):
        factories.crs_details(adverse_event, max_temp_c=39.0)
    with pytest.raises(LockedRecordError):
        record_void(adverse_event, by=coordinator, reason="entered twice")
    # and the other patient's casebook is open
    other.age_at_consent = 30
    record_save(other, by=coordinator, reason="typo")


def test_unlocking_the_casebook_opens_its_forms_again(adverse_event, infused_patient, monitor,
                                                      coordinator):
    lock_casebook(infused_patient, monitor)
    reviews.casebook_unlock(patient=infused_patient, by=monitor, reason="late lab result")
    adverse_event.grade = 2
    record_save(adverse_event, by=coordinator, reason="source re-checked")
    assert AdverseEvent.objects.get(pk=adverse_event.pk).grade == 2


def test_derived_dlt_candidates_are_not_stopped_by_a_casebook_lock(adverse_event,
                                                                    infused_patient, monitor):
    lock_casebook(infused_patient, monitor)
    factories.save(DltCandidate(adverse_event=adverse_event, rule="D4", explanation="grade 3"))
    assert DltCandidate.objects.filter(adverse_event=adverse_event).exists()


@pytest.mark.parametrize("part", ["adverse_event", "crs_details"])
def test_the_lock_check_of_a_save_is_one_query(adverse_event, infused_patient,
                                               django_assert_num_queries, part):
    record = adverse_event if part == "adverse_event" else factories.crs_details(adverse_event)
    locks_on(record)  # the process caches the content type on its first use
    with django_assert_num_queries(1):
        assert locks_on(record) == []


def test_the_admin_refuses_a_change_to_a_locked_casebook_with_the_lock_named(
        client, admin_user, monitor):
    # given
    patient = factories.patient()
    lock_casebook(patient, monitor)
    client.force_login(admin_user)
    # when
    response = client.post(change_url(patient), patient_form(patient, age_at_consent=50,
                                                             change_reason="re-checked"))
    # then
    assert response.status_code == 200
    assert "The casebook of RD-001 was locked by Test Monitor" in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).age_at_consent == 27


def test_the_admin_refuses_to_void_a_locked_form(client, admin_user, monitor):
    patient = factories.patient()
    lock_form(patient, patient, monitor)
    client.force_login(admin_user)
    response = client.post(change_url(patient), patient_form(
        patient, void_reason_input="duplicate entry"))
    assert f"patient #{patient.pk} of RD-001 was locked" in response.content.decode()
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_an_api_replace_is_refused_while_a_casebook_is_locked(monitor):
    # given
    call_command("import_casebook", str(DEMO_CASEBOOK))
    patient = Patient.objects.order_by("subject_id").first()
    lock_casebook(patient, monitor)
    # when
    response = client_as("admin").post("/api/v1/casebook/?replace=true",
                                       DEMO_CASEBOOK.read_text(encoding="utf-8"),
                                       content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["problems"] == [
        f"replace: The casebook of {patient.subject_id} was locked by Test Monitor on "
        f"{reviews.casebook_lock_of(patient).locked_at.astimezone():%Y-%m-%d %H:%M} "
        "(why: ready for database lock); no form of this patient can be added, changed or "
        "voided until a monitor unlocks it."]
    assert not Patient.all_objects.filter(voided_at__isnull=False).exists()


def test_the_import_command_refuses_a_replace_while_a_form_is_locked(monitor, capsys):
    # given
    call_command("import_casebook", str(DEMO_CASEBOOK))
    patient = Patient.objects.order_by("subject_id").first()
    lock_form(patient, patient, monitor)
    # when
    with pytest.raises(SystemExit) as exited:
        call_command("import_casebook", str(DEMO_CASEBOOK), "--replace")
    # then
    assert exited.value.code == 1
    assert f"replace: The patient #{patient.pk} of {patient.subject_id} was locked" \
        in capsys.readouterr().err
    assert Patient.objects.count() == len(demo_casebook()["patients"])


def test_a_replace_reads_the_locks_once_whatever_the_bundle_size(monitor):
    call_command("import_casebook", str(DEMO_CASEBOOK))
    with CaptureQueriesContext(connection) as captured:
        call_command("import_casebook", str(DEMO_CASEBOOK), "--replace")
    lock_reads = [q for q in captured if "monitoring_casebooklock" in q["sql"]]
    assert len(lock_reads) == 1

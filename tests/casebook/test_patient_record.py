"""The patient's own record (demographics, consent, enrolment, off study) has the pages of every
CRF: its page, its edit form (reason, row version, locks), its audit trail and its void form."""

import pytest

from core.audit import record_save
from monitoring import reviews
from patients.models import Patient
from tests import factories
from tests.crf_payloads import error_beside

pytestmark = pytest.mark.django_db


def url(patient, action=""):
    return f"/patients/{patient.subject_id}/patient/{patient.pk}/{action}"


def patient_data(patient, **overrides) -> dict:
    """The edit form's POST: the patient's saved values, the loaded version, then `overrides`."""
    data = dict(subject_id=patient.subject_id, sex=patient.sex,
                age_at_consent=patient.age_at_consent, diagnosis=patient.diagnosis,
                cd7_positive_blasts_pct=patient.cd7_positive_blasts_pct,
                screening_marrow_blasts_pct=patient.screening_marrow_blasts_pct,
                consent_date=patient.consent_date.isoformat(), guardian_consent="unknown",
                enrollment_date=patient.enrollment_date.isoformat(),
                row_version=patient.row_version)
    data.update(overrides)
    return data


@pytest.mark.parametrize("action", ["", "history/", "edit/", "void/"])
def test_each_page_of_the_patients_record_answers(client, coordinator, enrolled_patient, action):
    client.force_login(coordinator)
    response = client.get(url(enrolled_patient, action))
    assert response.status_code == 200
    assert enrolled_patient.subject_id in response.content.decode()


def test_the_record_page_shows_the_demographics_and_links_edit_void_and_trail(
        client, coordinator, enrolled_patient):
    client.force_login(coordinator)
    page = client.get(url(enrolled_patient)).content.decode()
    assert "<dt>Age at consent (years)</dt><dd>27" in page
    for action in ("edit/", "void/", "history/"):
        assert f'href="{url(enrolled_patient, action)}"' in page


def test_the_casebook_links_to_the_patients_record(client, monitor, enrolled_patient):
    client.force_login(monitor)
    casebook = client.get(f"/patients/{enrolled_patient.subject_id}/").content.decode()
    assert f'href="{url(enrolled_patient)}"' in casebook


def test_another_patients_record_is_not_found_under_this_subject_id(
        client, coordinator, enrolled_patient):
    other = factories.patient("RD-002")
    client.force_login(coordinator)
    response = client.get(f"/patients/{enrolled_patient.subject_id}/patient/{other.pk}/")
    assert response.status_code == 404


def test_a_correction_with_a_reason_is_saved_and_shown_in_the_audit_trail(
        client, coordinator, enrolled_patient):
    # given
    client.force_login(coordinator)
    # when
    response = client.post(url(enrolled_patient, "edit/"), patient_data(
        enrolled_patient, age_at_consent=28, reason="age misread on the consent form"))
    # then
    assert response.status_code == 302
    assert Patient.objects.get().age_at_consent == 28
    trail = client.get(url(enrolled_patient, "history/")).content.decode()
    assert "age misread on the consent form" in trail
    assert "<code>age_at_consent</code>: 27 → 28" in trail


def test_a_correction_without_a_reason_is_refused(client, coordinator, enrolled_patient):
    client.force_login(coordinator)
    response = client.post(url(enrolled_patient, "edit/"),
                           patient_data(enrolled_patient, age_at_consent=28))
    assert "A reason for change is required" in error_beside(response, "reason")
    assert Patient.objects.get().age_at_consent == 27


def test_a_correction_from_an_out_of_date_copy_is_refused(client, coordinator, enrolled_patient):
    # given: someone else corrected the diagnosis after the form was opened
    opened = patient_data(enrolled_patient, age_at_consent=28, reason="typo")
    enrolled_patient.diagnosis = "T-LBL"
    record_save(enrolled_patient, by=factories.user("coordinator", "colleague"), reason="biopsy")
    client.force_login(coordinator)
    # when
    response = client.post(url(enrolled_patient, "edit/"), opened)
    # then
    assert "changed by someone else" in response.content.decode()
    assert Patient.objects.get().age_at_consent == 27


def test_a_locked_casebook_opens_the_patients_record_read_only(
        client, coordinator, monitor, enrolled_patient):
    # given
    reviews.casebook_lock(patient=enrolled_patient, by=monitor, reason="database lock")
    client.force_login(coordinator)
    # when
    edit = client.get(url(enrolled_patient, "edit/"))
    posted = client.post(url(enrolled_patient, "edit/"), patient_data(
        enrolled_patient, age_at_consent=28, reason="typo"))
    # then
    assert (edit.status_code, posted.status_code) == (302, 409)  # the save: on its form
    assert edit["Location"] == url(enrolled_patient)
    assert "(why: database lock)" in posted.content.decode()
    assert Patient.objects.get().age_at_consent == 27
    assert "was locked by Test Monitor" in client.get(url(enrolled_patient)).content.decode()


def test_voiding_the_patient_keeps_the_record_and_returns_to_the_patient_list(
        client, coordinator, enrolled_patient):
    client.force_login(coordinator)
    response = client.post(url(enrolled_patient, "void/"), {
        "reason": "enrolled twice", "row_version": enrolled_patient.row_version})
    assert response.status_code == 302
    assert response["Location"] == "/patients/"
    voided = Patient.all_objects.get()
    assert voided.is_voided and voided.void_reason == "enrolled twice"

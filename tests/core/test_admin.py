import pytest
from django.urls import reverse

from core.audit import field_changes, record_save
from patients.models import Patient
from safety.models import AdverseEvent, DltCandidate
from tests import factories

pytestmark = pytest.mark.django_db


def change_url(record):
    return reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change",
                   args=[record.pk])


def patient_form(patient, **changes):
    data = {f: getattr(patient, f) for f in ("subject_id", "sex", "age_at_consent", "diagnosis",
                                            "consent_date", "enrollment_date")}
    data.update({"consent_version": "", "off_study_reason": "", "guardian_consent": "unknown",
                 "cd7_positive_blasts_pct": patient.cd7_positive_blasts_pct,
                 "screening_marrow_blasts_pct": patient.screening_marrow_blasts_pct,
                 "row_version": patient.row_version})  # as the page opened carries it
    data.update(changes)
    return {k: "" if v is None else v for k, v in data.items()}


def test_a_monitor_reads_records_and_their_history_but_cannot_change_them(client, monitor):
    patient = factories.patient()
    client.force_login(monitor)

    assert client.get(reverse("admin:patients_patient_changelist")).status_code == 200
    assert client.get(reverse("admin:patients_patient_history", args=[patient.pk])).status_code \
        == 200
    client.post(change_url(patient), patient_form(patient, age_at_consent=50,
                                                 change_reason="try"))
    assert Patient.objects.get(pk=patient.pk).age_at_consent == 27


def test_an_admin_edit_needs_a_reason_and_records_it(client, admin_user):
    patient = factories.patient()
    client.force_login(admin_user)

    refused = client.post(change_url(patient), patient_form(patient, age_at_consent=28))
    assert b"A reason for change is required" in refused.content
    assert Patient.objects.get(pk=patient.pk).age_at_consent == 27

    client.post(change_url(patient), patient_form(patient, age_at_consent=28,
                                                 change_reason="birth date re-checked"))
    patient.refresh_from_db()
    assert patient.age_at_consent == 28
    assert field_changes(patient)[0]["reason"] == "birth date re-checked"
    assert field_changes(patient)[0]["who"] == admin_user.username


def test_an_admin_edit_carries_the_version_it_was_opened_at(client, admin_user):
    patient = factories.patient()
    client.force_login(admin_user)
    page = client.get(change_url(patient)).content.decode()
    assert 'type="hidden" name="row_version" value="1"' in page


def test_an_admin_edit_without_its_row_version_is_refused(client, admin_user):
    # given
    patient = factories.patient()
    client.force_login(admin_user)
    data = patient_form(patient, age_at_consent=28, change_reason="re-checked")
    del data["row_version"]
    # when
    refused = client.post(change_url(patient), data)
    # then nothing is saved; the page says why, keeps the typed value, offers the version
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "did not say which version of the record it was opened at" in page
    assert 'name="age_at_consent" value="28"' in page
    assert 'name="row_version" value="1"' in page
    patient.refresh_from_db()
    assert (patient.age_at_consent, patient.row_version) == (27, 1)


def test_an_admin_edit_from_an_out_of_date_page_is_refused(client, admin_user, coordinator):
    # given the page opened at version 1, then a coordinator's edit
    patient = factories.patient()
    opened = patient_form(patient, age_at_consent=28, change_reason="re-checked")
    patient.consent_version = "v2"
    record_save(patient, by=coordinator, reason="new consent form")
    client.force_login(admin_user)
    # when
    refused = client.post(change_url(patient), opened)
    # then the coordinator's change stands and the page says so
    page = refused.content.decode()
    assert "changed by someone else" in page
    assert 'name="age_at_consent" value="28"' in page
    assert 'name="row_version" value="2"' in page
    patient.refresh_from_db()
    assert (patient.age_at_consent, patient.consent_version) == (27, "v2")


def test_an_admin_edit_to_a_date_before_1900_is_refused_beside_the_field(client, admin_user):
    patient = factories.patient()
    client.force_login(admin_user)
    refused = client.post(change_url(patient), patient_form(
        patient, consent_date="1899-12-31", change_reason="typo"))
    assert "1899-12-31 is before 1900-01-01, the earliest clinical date" in \
        refused.content.decode()
    patient.refresh_from_db()
    assert patient.consent_date.year == 2024


def test_the_admin_voids_instead_of_deleting(client, admin_user):
    patient = factories.patient()
    client.force_login(admin_user)

    assert client.get(reverse("admin:patients_patient_delete", args=[patient.pk])).status_code \
        == 403
    client.post(change_url(patient), patient_form(patient, void_reason_input="duplicate entry"))

    assert not Patient.objects.filter(pk=patient.pk).exists()
    assert Patient.all_objects.get(pk=patient.pk).void_reason == "duplicate entry"


def test_sponsors_and_coordinators_have_no_admin(client, sponsor, coordinator):
    for user in (sponsor, coordinator):
        client.force_login(user)
        response = client.get(reverse("admin:patients_patient_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_every_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    for app in ("trial_edc", "patients", "dosing", "safety", "efficacy", "pk"):
        for model in apps.get_app_config(app).get_models():
            if not model.__name__.startswith("Historical"):
                assert admin.site.is_registered(model), model.__name__


def adverse_event_form(ae, **changes):
    data = {f: getattr(ae, f) for f in ("term", "grade", "onset_date", "relatedness")}
    data.update({"patient": ae.patient_id, "row_version": ae.row_version, "serious": "",
                 "outcome": "", "action_taken": "",
                 "narrative": "", "resolution_date": "", "site_aware_at_0": "",
                 "site_aware_at_1": "", "sponsor_reported_at_0": "",
                 "sponsor_reported_at_1": ""})
    data.update(changes)
    return data


def test_an_admin_void_of_an_event_voids_its_candidates_too(client, admin_user,
                                                           infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4)
    factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="grade 4 CRS"))
    client.force_login(admin_user)

    response = client.post(change_url(ae), adverse_event_form(
        ae, void_reason_input="entered twice"))

    assert response.status_code == 302, response.content.decode()
    assert DltCandidate.all_objects.get().void_reason == "entered twice"


def test_an_admin_void_refused_by_a_signed_decision_is_said_on_the_form(
        client, admin_user, investigator, infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4)
    factories.adjudication(ae, by=investigator)
    client.force_login(admin_user)

    response = client.post(change_url(ae), adverse_event_form(
        ae, void_reason_input="entered twice"))

    assert response.status_code == 200
    assert "An investigator must first revoke the decision" in response.content.decode()
    assert AdverseEvent.objects.filter(pk=ae.pk).exists()


def test_an_admin_void_of_a_patient_with_current_records_names_them(client, admin_user,
                                                                    infused_patient):
    client.force_login(admin_user)

    response = client.post(change_url(infused_patient), patient_form(
        infused_patient, void_reason_input="enrolled twice"))

    assert response.status_code == 200
    assert ("this patient still has current records (1 lymphodepletion, 1 infusion): void them "
            "first") in response.content.decode()
    assert Patient.objects.filter(pk=infused_patient.pk).exists()

import pytest
from django.urls import reverse

from patients.models import Patient
from tests import factories
from trial_edc.audit import field_changes

pytestmark = pytest.mark.django_db


def change_url(record):
    return reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change",
                   args=[record.pk])


def patient_form(patient, **changes):
    data = {f: getattr(patient, f) for f in ("subject_id", "sex", "age_at_consent", "diagnosis",
                                            "consent_date", "enrollment_date")}
    data.update({"consent_version": "", "off_study_reason": "", "guardian_consent": "unknown",
                 "cd7_positive_blasts_pct": patient.cd7_positive_blasts_pct,
                 "screening_marrow_blasts_pct": patient.screening_marrow_blasts_pct})
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

"""The text rules on every path a value comes in by: browser forms, the admin, the casebook import
(with JSON paths), the API, and the services themselves. Each refusal names the field and
changes nothing."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from core.accounts import user_api_token
from core.audit import MissingChangeReasonError, record_save, record_void
from core.text_validators import INVISIBLE_ONLY
from dosing.models import Infusion
from exchange.demo_trial import demo_bundle
from exchange.services import BundleProblems, bundle_import_json
from monitoring.models import CasebookLock, DataQuery
from patients.models import Patient
from safety.models import AdverseEvent, DltAdjudication, DltCandidate
from tests import factories
from tests.crf_payloads import error_beside, form_data

pytestmark = pytest.mark.django_db

ZERO_WIDTH = "\u200b\ufeff\u200e"  # a zero-width space, a BOM and a left-to-right mark
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
PASSWORD = "a-long-test-passphrase"


# --- reasons and other required text ---------------------------------------------------------

def test_an_invisible_reason_for_change_is_no_reason(infused_patient, coordinator):
    ae = factories.adverse_event(infused_patient, grade=2)
    ae.grade = 3
    with pytest.raises(MissingChangeReasonError) as refused:
        record_save(ae, by=coordinator, reason=f" {ZERO_WIDTH} ")
    assert INVISIBLE_ONLY in refused.value.message_dict["reason"][0]
    assert AdverseEvent.objects.get(pk=ae.pk).grade == 2


def test_an_invisible_void_reason_is_refused_and_the_record_stays(infused_patient, coordinator):
    ae = factories.adverse_event(infused_patient)
    with pytest.raises(ValidationError) as refused:
        record_void(ae, by=coordinator, reason=ZERO_WIDTH)
    assert "A reason is required to void a record." in refused.value.message_dict["reason"][0]
    assert AdverseEvent.objects.filter(pk=ae.pk).exists()


def test_the_crf_form_refuses_an_invisible_reason_beside_the_field(client, coordinator,
                                                                   infused_patient):
    ae = factories.adverse_event(infused_patient, grade=2)
    client.force_login(coordinator)
    response = client.post(f"/patients/RD-001/adverse-event/{ae.pk}/edit/", form_data(
        "adverse-event", grade=3, row_version=ae.row_version, reason=ZERO_WIDTH))
    assert response.status_code == 200
    assert INVISIBLE_ONLY in error_beside(response, "reason")
    assert AdverseEvent.objects.get(pk=ae.pk).grade == 2


def test_the_void_form_refuses_an_invisible_reason_with_a_page_not_an_error(
        client, coordinator, infused_patient):
    ae = factories.adverse_event(infused_patient)
    client.force_login(coordinator)
    response = client.post(f"/patients/RD-001/adverse-event/{ae.pk}/void/",
                           {"reason": ZERO_WIDTH, "row_version": ae.row_version})
    assert response.status_code == 200
    assert INVISIBLE_ONLY in error_beside(response, "reason")
    assert not AdverseEvent.objects.get(pk=ae.pk).is_voided


def test_an_off_study_reason_of_invisible_characters_is_refused(client, coordinator):
    patient = factories.patient()
    client.force_login(coordinator)
    response = client.post(f"/patients/RD-001/patient/{patient.pk}/edit/", form_data(
        "patient", subject_id="RD-001", consent_date="2024-03-01", off_study_date="2024-03-05",
        off_study_reason=ZERO_WIDTH, row_version=patient.row_version, reason="left the study"))
    assert "A reason is required when the patient leaves" in error_beside(
        response, "off_study_reason")
    assert Patient.objects.get(pk=patient.pk).off_study_date is None


def test_the_admin_refuses_an_invisible_reason_for_change(client, admin_user):
    patient = factories.patient()
    client.force_login(admin_user)
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    page = client.get(url)
    data = {**page.context["adminform"].form.initial, "age_at_consent": 28,
            "change_reason": ZERO_WIDTH}
    response = client.post(url, {k: "" if v is None else v for k, v in data.items()
                                 if k not in ("id",)})
    assert response.status_code == 200
    assert INVISIBLE_ONLY in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).age_at_consent == 27


def test_a_query_of_invisible_characters_is_not_raised(client, monitor, infused_patient):
    ae = factories.adverse_event(infused_patient)
    client.force_login(monitor)
    response = client.post(f"/queries/raise/RD-001/adverse-event/{ae.pk}/",
                           {"field_name": "grade", "question": ZERO_WIDTH}, follow=True)
    assert response.status_code == 200
    assert "Not saved: " in response.content.decode()
    assert not DataQuery.objects.exists()


def test_a_casebook_lock_with_an_invisible_reason_is_refused(client, monitor, infused_patient):
    client.force_login(monitor)
    response = client.post("/queries/casebook/RD-001/lock/", {"reason": ZERO_WIDTH}, follow=True)
    assert INVISIBLE_ONLY in response.content.decode()
    assert not CasebookLock.objects.exists()


def test_a_dlt_decision_with_an_invisible_rationale_is_not_signed(client, investigator,
                                                                  infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4)
    factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="grade 4 CRS"))
    client.force_login(investigator)
    response = client.post(f"/dlt-review/{ae.pk}/", {
        "decision": "confirmed", "password": PASSWORD, "rationale": ZERO_WIDTH})
    assert response.status_code == 200
    assert INVISIBLE_ONLY in response.content.decode()
    assert not DltAdjudication.objects.exists()


def test_an_investigator_s_candidate_needs_a_visible_rationale(client, investigator,
                                                               infused_patient):
    ae = factories.adverse_event(infused_patient, grade=3)
    client.force_login(investigator)
    response = client.post(f"/dlt-review/{ae.pk}/raise/", {"rationale": ZERO_WIDTH},
                           follow=True)
    assert "A rationale is required to raise a DLT candidate." in response.content.decode()
    assert not DltCandidate.objects.exists()


# --- identifiers and codes --------------------------------------------------------------------

def test_the_infusion_form_refuses_a_product_lot_with_a_direction_override(
        client, coordinator, infused_patient):
    client.force_login(coordinator)
    before = Infusion.objects.count()
    response = client.post("/patients/RD-001/infusion/new/", form_data(
        "infusion", number=2, date="2024-03-20", product_lot=f"L-{RLO}2400"))
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in error_beside(response, "product_lot")
    assert Infusion.objects.count() == before


def test_the_adverse_event_form_refuses_a_term_with_a_zero_width_space(client, coordinator,
                                                                      infused_patient):
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/adverse-event/new/", form_data(
        "adverse-event", term="other", term_specify="Cytokine\u200brelease syndrome"))
    assert "U+200B ZERO WIDTH SPACE" in error_beside(response, "term_specify")
    assert not error_beside(response, "term")
    assert not AdverseEvent.objects.exists()


def hostile_bundle() -> dict:
    bundle = demo_bundle(2, seed=1)
    bundle["study"]["dose_levels"][0]["code"] = "DL1\ufeff"
    patient = bundle["patients"][0]
    patient["infusions"][0]["product_lot"] = f"L-{RLO}0042"
    patient["adverse_events"][0]["term"] = "\u200b"
    return bundle


def test_the_import_names_each_hidden_character_by_its_json_path():
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(hostile_bundle())
    problems = refused.value.problems
    assert any(p.startswith("study.dose_levels[0].code: contains U+FEFF") for p in problems)
    assert any(p.startswith("patients[0].infusions[0].product_lot: contains U+202E")
               for p in problems)
    assert any(p.startswith("patients[0].adverse_events[0].term: contains U+200B")
               for p in problems)
    assert not Patient.all_objects.exists()


def test_the_api_import_answers_the_same_problems_as_the_documented_json_body(admin_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(admin_user)}")
    response = client.post("/api/v1/casebook/", json.dumps(hostile_bundle()),
                           content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "problems"}
    assert any("product_lot: contains U+202E RIGHT-TO-LEFT OVERRIDE" in p
               for p in body["problems"])
    assert not Patient.all_objects.exists()

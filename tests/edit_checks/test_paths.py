"""The same checks through every writer: the browser form (a soft warning confirmed with a reason,
typed values kept), the lab's PK API (`confirmed_checks`) and the casebook import
(`confirm_soft_checks`); a confirmed soft check opens a system query that closes itself when the
data are corrected."""

import json
from copy import deepcopy

import pytest

from core.audit import field_changes, record_save, system_user
from exchange.read import BundleProblems
from exchange.services import bundle_import_json
from monitoring.models import DataQuery
from pk.models import PkSample
from safety.models import AdverseEvent
from tests import factories
from tests.crf_payloads import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def infused(infused_patient):
    """RD-001: lymphodepletion 2024-03-07 for 3 days, infusion 1 at DL1 on 2024-03-12."""
    return infused_patient

LATE_W4 = "2024-04-20"  # day 39: W4's window is days 21–35




def new_response(client, **fields):
    return client.post("/patients/RD-001/response/new/", form_data("response", **fields))


def test_the_form_warns_keeps_the_typed_values_and_saves_nothing(client, coordinator, infused):
    client.force_login(coordinator)
    response = new_response(client, date=LATE_W4, marrow_blasts_pct="0.7")
    page = response.content.decode()
    assert response.status_code == 200
    assert "EC-RESP-02" in page and "day 39" in page and 'name="confirm_check"' in page
    assert 'value="2024-04-20"' in page and 'value="0.7"' in page
    assert not infused.response_assessments.exists()


def test_a_ticked_box_without_a_reason_is_refused_beside_it(client, coordinator, infused):
    client.force_login(coordinator)
    page = new_response(client, date=LATE_W4, confirm_check="EC-RESP-02").content.decode()
    assert "A reason is required to confirm this warning." in page
    assert not infused.response_assessments.exists()


def test_confirmed_with_a_reason_it_is_saved_audited_and_queried(client, coordinator, infused):
    client.force_login(coordinator)
    response = new_response(client, date=LATE_W4, confirm_check="EC-RESP-02",
                            **{"confirm_reason_EC-RESP-02": "patient was in hospital abroad"})
    assert response.status_code == 302
    [assessment] = infused.response_assessments.all()
    [entry] = field_changes(assessment)
    assert entry["reason"].startswith("initial entry; confirmed EC-RESP-02 (")
    assert entry["reason"].endswith("): patient was in hospital abroad")
    [query] = DataQuery.objects.filter(record_id=assessment.pk)
    assert (query.edit_check, query.field_name, query.status) == (
        "EC-RESP-02", "date", "answered")
    assert query.raised_by == system_user() and query.answered_by == coordinator
    assert query.question.startswith("EC-RESP-02 (soft): W4 on 2024-04-20 is day 39")
    assert query.answer == "Confirmed at entry: patient was in hospital abroad"


def test_the_system_query_closes_itself_when_the_date_is_corrected(coordinator, infused):
    late = factories.response(infused, on=factories.CONSENT.replace(month=4, day=20))
    [query] = DataQuery.objects.filter(record_id=late.pk, edit_check="EC-RESP-02")
    late.date = late.date.replace(day=9)
    record_save(late, by=coordinator, reason="date typed wrong")
    query.refresh_from_db()
    assert query.status == "closed" and query.closed_by == system_user()


def test_a_query_spanning_forms_closes_when_the_other_form_is_corrected(coordinator):
    patient = factories.patient(enrollment_date=None)
    eligibility = factories.eligibility(patient, no_active_infection=False)
    patient.enrollment_date = factories.CONSENT.replace(day=4)
    record_save(patient, by=coordinator, reason="enrolled",
                confirmations={"EC-PAT-02": "waiver from the sponsor"})
    [query] = DataQuery.objects.filter(edit_check="EC-PAT-02", status="answered")
    eligibility.no_active_infection = True
    record_save(eligibility, by=coordinator, reason="criterion was met, ticked wrongly")
    query.refresh_from_db()
    assert query.status == "closed"


def test_a_hard_check_is_refused_beside_its_field_in_the_form(client, coordinator, infused):
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/adverse-event/new/", form_data(
        "adverse-event", onset_date="2024-03-10", relatedness="definite"))
    assert "EC-AE-02 (hard)" in response.content.decode()
    assert not AdverseEvent.objects.exists()


def lab_row(**fields):
    row = {"subject_id": "RD-001", "nominal_day": 7, "collected_at": "2024-03-23T09:00:00Z",
           "matrix": "peripheral_blood", "car_copies_per_ug_gdna": 98000.0}
    row.update(fields)
    return row


def post_lab(client, rows):
    return client.post("/api/v1/pk-samples/", json.dumps(rows), content_type="application/json")


def test_the_lab_api_refuses_an_unconfirmed_soft_check_naming_it(client, coordinator, infused):
    client.force_login(coordinator)
    response = post_lab(client, [lab_row()])
    assert response.status_code == 400
    [problem] = response.json()["problems"]
    assert problem.startswith("pk_samples[0].collected_at: EC-PK-02 (soft): the day-7 sample, "
                              "collected on 2024-03-23 is day 11 after the first infusion")
    assert '"confirmed_checks": {"EC-PK-02": "reason"}' in problem
    assert not PkSample.objects.exists()


def test_the_lab_api_stores_a_confirmed_soft_check_with_its_query(client, coordinator, infused):
    client.force_login(coordinator)
    response = post_lab(client, [lab_row(confirmed_checks={"EC-PK-02": "courier delayed"})])
    assert response.status_code == 201, response.json()
    [sample] = PkSample.objects.all()
    assert "confirmed EC-PK-02" in field_changes(sample)[0]["reason"]
    assert DataQuery.objects.get(record_id=sample.pk).edit_check == "EC-PK-02"


def test_the_form_refuses_a_pk_sample_already_recorded_as_the_api_does(client, coordinator,
                                                                       infused):
    factories.pk_sample(infused, day=7)
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/pk-sample/new/", form_data("pk-sample"))
    assert "EC-PK-01 (hard)" in response.content.decode()
    assert PkSample.objects.count() == 1


BUNDLE = {"format": "edc-casebook", "version": 1,
          "study": {"protocol_id": "RD13-02-PH1", "escalation_design": "BOIN",
                    "target_dlt_rate": 0.3, "dlt_window_days": 28,
                    "dose_levels": [{"code": "DL1", "cells_per_kg": 5e6}]},
          "patients": [{"subject_id": "RD-100", "sex": "F", "age_at_consent": 2,
                        "diagnosis": "T-ALL", "consent_date": "2024-03-01",
                        "enrollment_date": "2024-03-04",
                        "lymphodepletion": {"start_date": "2024-03-07",
                                            "fludarabine_mg_m2_per_day": 30,
                                            "cyclophosphamide_mg_m2_per_day": 300, "days": 3},
                        "infusions": [{"number": 1, "date": "2024-03-12", "dose_level": "DL1",
                                       "cells_per_kg": 5e6}]}]}


def test_the_import_refuses_hard_checks_with_their_path():
    bundle = deepcopy(BUNDLE)
    bundle["patients"][0]["infusions"][0]["date"] = "2024-03-08"
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, confirm_soft_checks="migrated as recorded")
    assert ("patients[0].infusions[0].date: EC-INF-01 (hard): 2024-03-08 is during "
            "lymphodepletion") in "\n".join(refused.value.problems)


def test_the_import_refuses_soft_checks_unless_confirmed_then_queries_them():
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(deepcopy(BUNDLE))
    [problem] = refused.value.problems
    assert problem.startswith("patients[0].age_at_consent: EC-PAT-01 (soft): an age at consent "
                              "of 2 is below")
    assert "--confirm-soft-checks REASON" in problem
    bundle_import_json(deepcopy(BUNDLE), confirm_soft_checks="age confirmed with the site")
    [query] = DataQuery.objects.all()
    assert (query.edit_check, query.field_name, query.patient.subject_id) == (
        "EC-PAT-01", "age_at_consent", "RD-100")
    assert query.answer == "Confirmed at entry: age confirmed with the site"


def test_the_admin_warns_of_a_soft_check_and_saves_it_confirmed(client, admin_user):
    from tests.core.test_admin import change_url, patient_form

    patient = factories.patient()
    client.force_login(admin_user)
    refused = client.post(change_url(patient), patient_form(
        patient, age_at_consent=2, change_reason="age re-checked"))
    assert refused.status_code == 200
    assert "EC-PAT-01 (soft)" in refused.content.decode()
    patient.refresh_from_db()
    assert patient.age_at_consent == 27
    saved = client.post(change_url(patient), patient_form(
        patient, age_at_consent=2, change_reason="age re-checked",
        confirm_checks_reason="sponsor waiver W-12"))
    assert saved.status_code == 302
    patient.refresh_from_db()
    assert patient.age_at_consent == 2
    assert field_changes(patient)[0]["reason"].endswith(": sponsor waiver W-12")
    assert DataQuery.objects.get(edit_check="EC-PAT-01").status == "answered"

"""The baseline: medical history, prior lines of therapy (a transplant and a CAR-T among them),
disease at screening and bridging therapy, through the forms, the edit checks, the casebook
bundle, the API and the exports."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from casebook.status_grid import grid, monitoring_of, records_of
from core.audit import MissingChangeReasonError, field_changes, record_save
from core.edit_checks import SoftCheckUnconfirmed
from core.fields import partial_date_problem, partial_dates_out_of_order
from exchange.dump import dumps, export_bundle
from exchange.read import BundleProblems
from exchange.services import bundle_import_json
from patients.models import BridgingTherapy, DiseaseAtScreening, MedicalHistory, PriorTherapy
from tests import factories
from tests.api.conftest import token_client
from tests.crf_payloads import error_beside, form_data
from tests.factories import CONSENT

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)


# --- partial dates -------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2019", "2019-03", "2019-03-15", "2024-02-29", ""])
def test_a_date_known_to_the_year_the_month_or_the_day_is_accepted(text):
    assert partial_date_problem(text, today=TODAY) is None


@pytest.mark.parametrize(("text", "why"), [
    ("2019-13", "is not a date"), ("2023-02-29", "is not a date"), ("19-03", "is not a date"),
    ("March 2019", "is not a date"), ("2019-3", "is not a date"),
    ("1899-12", "before 1900"), ("2027", "cannot be in the future"),
])
def test_a_malformed_impossible_or_future_partial_date_is_refused(text, why):
    assert why in partial_date_problem(text, today=TODAY)


def test_a_partial_end_overlapping_its_start_is_not_out_of_order():
    # "2023" may be any day of 2023, so it may well be after 2023-06-10
    assert not partial_dates_out_of_order("2023-06-10", "2023")
    assert partial_dates_out_of_order("2023-06", "2023-05-31")


# --- medical history and prior therapy -------------------------------------------------------

def test_medical_history_keeps_march_2019_as_march_2019_not_the_first_of_march(coordinator):
    patient = factories.patient()
    history = factories.medical_history(patient, condition="Hepatitis B", start="2019-03",
                                        ongoing=False)
    assert MedicalHistory.objects.get(pk=history.pk).start == "2019-03"


def test_a_condition_of_blanks_only_is_refused():
    history = MedicalHistory(patient=factories.patient(), condition="\u200b ", ongoing=True)
    with pytest.raises(ValidationError) as refused:
        history.full_clean()
    assert "condition" in refused.value.message_dict


def test_a_prior_transplant_needs_its_donor_type():
    therapy = PriorTherapy(patient=factories.patient(), line_number=2, therapy_type="hsct",
                           regimen="Bu/Cy", start="2022-09", best_response="CR")
    with pytest.raises(ValidationError) as refused:
        therapy.full_clean()
    assert refused.value.message_dict["hsct_donor_type"] == ["A transplant needs its donor type."]


def test_a_donor_type_on_chemotherapy_and_a_target_on_a_transplant_are_refused():
    therapy = PriorTherapy(patient=factories.patient(), line_number=1,
                           therapy_type="chemotherapy", regimen="hyper-CVAD", start="2022",
                           best_response="PR", hsct_donor_type="haploidentical",
                           car_t_target="CD19")
    with pytest.raises(ValidationError) as refused:
        therapy.full_clean()
    assert set(refused.value.message_dict) == {"hsct_donor_type", "car_t_target"}


def test_a_prior_car_t_needs_its_target_and_is_saved_with_it():
    patient = factories.patient()
    with pytest.raises(ValidationError, match="A CAR-T needs its target"):
        factories.prior_therapy(patient, line=3, therapy_type="car_t", regimen="CD7 CAR-T")
    saved = factories.prior_therapy(patient, line=3, therapy_type="car_t", regimen="CD7 CAR-T",
                                    car_t_target="CD7", best_response="PD")
    assert saved.car_t_target == "CD7"


def test_prior_therapy_ending_before_it_started_is_refused_beside_the_end(client, coordinator):
    patient = factories.patient()
    client.force_login(coordinator)
    response = client.post(f"/patients/{patient.subject_id}/prior-therapy/new/",
                           form_data("prior-therapy", start="2023-06", end="2023-02"))
    assert "is before the start date 2023-06" in error_beside(response, "end")
    assert not PriorTherapy.objects.exists()


def test_a_log_form_of_the_baseline_offers_save_and_add_another(client, coordinator):
    patient = factories.patient()
    client.force_login(coordinator)
    page = client.get(f"/patients/{patient.subject_id}/medical-history/new/").content.decode()
    assert "Save and add another" in page
    response = client.post(f"/patients/{patient.subject_id}/medical-history/new/",
                           {**form_data("medical-history"), "_another": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith("/medical-history/new/")
    assert MedicalHistory.objects.filter(patient=patient).count() == 1


def test_an_edit_of_medical_history_needs_a_reason_and_is_in_the_audit_trail(coordinator):
    history = factories.medical_history(factories.patient(), condition="Asthma")
    history.ongoing = False
    with pytest.raises(MissingChangeReasonError):
        record_save(history, by=coordinator)
    record_save(history, by=coordinator, reason="resolved per GP letter")
    latest = field_changes(history)[0]
    assert latest["reason"] == "resolved per GP letter"
    assert [c["field"] for c in latest["changes"]] == ["ongoing"]


# --- disease at screening --------------------------------------------------------------------

def test_a_second_disease_at_screening_form_is_refused():
    patient = factories.patient()
    factories.disease_at_screening(patient)
    with pytest.raises(ValidationError):
        factories.disease_at_screening(patient, cns_status="CNS3")


def test_disease_at_screening_lists_ticked_sites_and_the_other_site():
    disease = factories.disease_at_screening(factories.patient(), em_testis=True,
                                             em_other="orbit")
    assert disease.extramedullary_sites == ["mediastinum", "testis", "orbit"]


def test_disease_at_screening_before_consent_is_a_confirmed_deviation():
    patient = factories.patient()
    record = DiseaseAtScreening(patient=patient, assessed_on=CONSENT - timedelta(days=2),
                                cns_status="CNS2")
    with pytest.raises(SoftCheckUnconfirmed, match="EC-SCR-01"):
        record_save(record, by=factories.user())
    assert factories.save(record).pk


def test_the_screening_row_expects_disease_at_screening_until_it_is_entered():
    patient = factories.patient()
    assert _screening_cell(patient).state == "missing"
    factories.disease_at_screening(patient)
    assert _screening_cell(patient).state == "entered"


def _screening_cell(patient):
    rows = grid(patient, records_of([patient.pk]), None, monitoring_of([patient.pk], {}),
                today=TODAY)
    return next(c for c in rows[0].cells if c.form == "Disease at screening")


def test_the_grid_lists_each_prior_therapy_in_its_log_row():
    patient = factories.patient()
    factories.prior_therapy(patient)
    factories.prior_therapy(patient, line=2, therapy_type="hsct", regimen="TBI/Cy",
                            start="2023-09", end="", hsct_donor_type="matched_sibling")
    rows = grid(patient, records_of([patient.pk]), None, monitoring_of([patient.pk], {}),
                today=TODAY)
    prior = next(r for r in rows if r.title == "Prior therapies")
    assert [c.form for c in prior.cells] == ["Prior therapy", "Prior therapy"]


# --- bridging therapy against lymphodepletion --------------------------------------------------

def test_bridging_ending_after_the_lymphodepletion_start_is_refused():
    patient = factories.patient()
    factories.lymphodepletion(patient, start=CONSENT + timedelta(days=6))
    with pytest.raises(ValidationError, match="EC-BRIDGE-01") as refused:
        factories.bridging_therapy(patient, start=CONSENT + timedelta(days=2),
                                   end=CONSENT + timedelta(days=7))
    assert "end_date" in refused.value.message_dict
    assert not BridgingTherapy.objects.exists()


def test_bridging_ending_on_the_day_lymphodepletion_starts_is_accepted():
    patient = factories.patient()
    factories.lymphodepletion(patient, start=CONSENT + timedelta(days=6))
    assert factories.bridging_therapy(patient, start=CONSENT + timedelta(days=2),
                                      end=CONSENT + timedelta(days=6)).pk


def test_bridging_without_an_end_once_lymphodepletion_started_needs_confirming():
    patient = factories.patient()
    factories.lymphodepletion(patient, start=CONSENT + timedelta(days=6))
    record = BridgingTherapy(patient=patient, regimen="dexamethasone",
                             start_date=CONSENT + timedelta(days=1))
    with pytest.raises(SoftCheckUnconfirmed, match="EC-BRIDGE-02"):
        record_save(record, by=factories.user())


def test_lymphodepletion_moved_before_the_end_of_bridging_is_refused(coordinator):
    patient = factories.patient()
    course = factories.lymphodepletion(patient, start=CONSENT + timedelta(days=6))
    factories.bridging_therapy(patient, start=CONSENT + timedelta(days=1),
                               end=CONSENT + timedelta(days=5))
    course.start_date = CONSENT + timedelta(days=4)
    with pytest.raises(ValidationError, match="EC-LD-01"):
        record_save(course, by=coordinator, reason="date re-read")


# --- bundle, API, exports ----------------------------------------------------------------------

def _baseline_patient():
    factories.dose_level()  # a bundle's study has at least one
    patient = factories.patient("RD-001")
    factories.medical_history(patient, condition="Asthma, Dr Jones's patient", start="2015-06")
    factories.prior_therapy(patient, regimen="hyper-CVAD at Leeds General")
    factories.prior_therapy(patient, line=2, therapy_type="hsct", regimen="TBI/Cy",
                            start="2023-09-14", end="", hsct_donor_type="matched_sibling")
    factories.disease_at_screening(patient, cns_status="CNS2", em_other="orbit, per Mrs Smith")
    factories.lymphodepletion(patient)
    factories.bridging_therapy(patient, regimen="dexamethasone from the neighbour's GP")
    factories.vital_signs(patient)
    return patient


def test_the_baseline_survives_export_import_replace_export_unchanged():
    _baseline_patient()
    before = dumps(export_bundle())
    bundle_import_json(export_bundle(), replace=True)
    assert dumps(export_bundle()) == before
    exported = export_bundle()["patients"][0]
    assert [t["line_number"] for t in exported["prior_therapies"]] == [1, 2]
    assert exported["prior_therapies"][1]["hsct_donor_type"] == "matched_sibling"
    assert exported["disease_at_screening"]["cns_status"] == "CNS2"
    assert exported["medical_history"][0]["start"] == "2015-06"


def test_a_bundle_written_before_the_baseline_still_imports():
    _baseline_patient()
    bundle = export_bundle()
    for key in ("medical_history", "prior_therapies", "disease_at_screening",
                "bridging_therapies", "vital_signs"):
        del bundle["patients"][0][key]
    bundle_import_json(bundle, replace=True)
    assert not MedicalHistory.objects.exists()
    assert not DiseaseAtScreening.objects.exists()


def test_a_bundle_with_bridging_after_lymphodepletion_or_a_bad_partial_date_is_refused():
    _baseline_patient()
    bundle = export_bundle()
    patient = bundle["patients"][0]
    patient["bridging_therapies"][0]["end_date"] = "2024-03-10"
    patient["medical_history"][0]["start"] = "2015-14"
    patient["prior_therapies"][0]["surgeon"] = "Mr Smith"
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True)
    problems = "\n".join(refused.value.problems)
    assert "patients[0].medical_history[0].start: '2015-14' is not a date" in problems
    assert "patients[0].prior_therapies[0].surgeon: unknown key" in problems
    assert "EC-BRIDGE-01" not in problems  # the record-level problems stop the patient first
    del patient["prior_therapies"][0]["surgeon"]
    patient["medical_history"][0]["start"] = "2015"
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True)
    assert any(p.startswith("patients[0].bridging_therapies[0].end_date: EC-BRIDGE-01 (hard)")
               for p in refused.value.problems)


@pytest.mark.parametrize(("listing", "withheld", "text"), [
    ("medical-history", "condition", "Dr Jones"),
    ("prior-therapies", "regimen", "Leeds General"),
    ("disease-at-screening", "em_other", "Mrs Smith"),
    ("bridging-therapies", "regimen", "neighbour's GP"),
])
@pytest.mark.requirement("CON-ROLE-04")
def test_a_sponsor_reads_the_baseline_without_its_free_text(listing, withheld, text):
    _baseline_patient()
    sponsor = token_client("sponsor").get(f"/api/v1/{listing}/")
    monitor = token_client("monitor").get(f"/api/v1/{listing}/")
    assert sponsor.status_code == 200 and monitor.status_code == 200
    assert withheld not in sponsor.json()["results"][0]
    assert text not in sponsor.content.decode()
    assert text in monitor.content.decode()


def test_a_sponsor_receives_the_coded_baseline_and_the_dates_as_recorded():
    _baseline_patient()
    rows = token_client("sponsor").get("/api/v1/prior-therapies/").json()["results"]
    assert [(r["line_number"], r["therapy_type"], r["start"], r["hsct_donor_type"])
            for r in rows] == [(1, "chemotherapy", "2023-01", ""),
                               (2, "hsct", "2023-09-14", "matched_sibling")]


def test_the_odm_export_carries_the_baseline_forms():
    _baseline_patient()
    response = token_client("monitor").get("/api/v1/exports/odm.xml")
    assert response.status_code == 200, response.status_code
    text = (b"".join(response.streaming_content) if response.streaming
            else response.content).decode()
    for oid in ("F.MEDICAL_HISTORY", "F.PRIOR_THERAPY", "F.DISEASE_AT_SCREENING",
                "F.BRIDGING_THERAPY", "F.VITAL_SIGNS"):
        assert f'FormOID="{oid}"' in text, oid
    assert "I.PRIOR_THERAPY.HSCT_DONOR_TYPE" in text.upper()

"""Each CRF rule: a clear message naming the field and the rule, and nothing saved."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dosing.models import DoseLevel, Infusion
from efficacy.models import Death, ResponseAssessment
from patients.models import Patient
from pk.models import PkSample
from safety.models import AdverseEvent, CrsDetails, GvhdDetails, IcansDetails
from tests import factories

pytestmark = pytest.mark.django_db
D = date.fromisoformat


def refusal(record) -> dict[str, list[str]]:
    model = type(record)
    before = model.all_objects.count() if hasattr(model, "all_objects") else model.objects.count()
    with pytest.raises(ValidationError) as refused:
        factories.save(record)
    after = model.all_objects.count() if hasattr(model, "all_objects") else model.objects.count()
    assert after == before, "a refused record must not be saved"
    return refused.value.message_dict


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"age_at_consent": 121}, "age_at_consent", "121 is not an age in years (0–120)"),
    ({"cd7_positive_blasts_pct": 100.5}, "cd7_positive_blasts_pct",
     "100.5 is not a percentage (0–100)"),
    ({"sex": "X"}, "sex", "Value 'X' is not a valid choice."),
    ({"diagnosis": "B-ALL"}, "diagnosis", "Value 'B-ALL' is not a valid choice."),
    ({"enrollment_date": D("2024-02-28")}, "enrollment_date",
     "2024-02-28 is before the consent date 2024-03-01 (consent ≤ enrollment)"),
    ({"off_study_date": D("2024-05-01")}, "off_study_reason",
     "A reason is required when the patient leaves the study."),
    ({"age_at_consent": 9, "guardian_consent": False}, "guardian_consent",
     "A minor needs the consent of a parent or guardian."),
])
def test_patient_rules(coordinator, fields, field, message):
    values = dict(subject_id="RD-009", sex="M", age_at_consent=27, diagnosis="T-ALL",
                  consent_date=D("2024-03-01"), enrollment_date=D("2024-03-04"))
    values.update(fields)
    assert message in refusal(Patient(**values))[field]


def test_a_subject_id_is_used_once(coordinator):
    factories.patient("RD-001")
    errors = refusal(Patient(subject_id="RD-001", sex="F", age_at_consent=30, diagnosis="T-LBL",
                             consent_date=D("2024-03-01")))
    assert errors["subject_id"] == ["A patient with this subject ID already exists (subject IDs "
                                    "are compared regardless of case)."]


@pytest.mark.requirement("CON-BUN-08")
def test_a_dose_level_is_per_kg_or_flat_never_both(coordinator):
    errors = refusal(DoseLevel(code="DL9", rank=9, cells_per_kg=1e6, total_cells=1e8))
    assert "give exactly one" in errors["cells_per_kg"][0]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"date": D("2024-03-06")}, "date",
     "2024-03-06 is before the lymphodepletion start 2024-03-07 (lymphodepletion ≤ infusion)"),
    ({"viability_pct": 101.0}, "viability_pct", "101.0 is not a percentage (0–100)"),
    ({"weight_kg": 0.5}, "weight_kg", "0.5 is not a body weight in kg (1–300)"),
    ({"cells_per_kg": -1.0}, "cells_per_kg", "-1.0 is not a positive number"),
])
def test_infusion_rules(coordinator, fields, field, message):
    patient = factories.patient()
    factories.lymphodepletion(patient)
    values = dict(patient=patient, number=1, date=D("2024-03-12"),
                  dose_level=factories.dose_level())
    values.update(fields)
    assert message in refusal(Infusion(**values))[field]


def test_an_infusion_number_is_used_once_per_patient(infused_patient):
    errors = refusal(Infusion(patient=infused_patient, number=1, date=D("2024-03-20"),
                              dose_level=factories.dose_level()))
    assert errors["__all__"] == ["This patient already has an infusion with this number."]


@pytest.mark.requirement("CON-BUN-09")
def test_flat_dose_cells_per_kg_is_derived_from_total_and_weight(infused_patient):
    infusion = Infusion(total_cells=6.5e8, weight_kg=65.0)
    assert infusion.effective_cells_per_kg == pytest.approx(1e7)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"grade": 7}, "grade", "7 is not a CTCAE grade (1–5)"),
    ({"grade": 0}, "grade", "0 is not a CTCAE grade (1–5)"),
    ({"relatedness": "likely"}, "relatedness", "Value 'likely' is not a valid choice."),
    ({"resolution_date": D("2024-03-13")}, "resolution_date",
     "2024-03-13 is before the onset date 2024-03-14 (resolution ≥ onset)"),
    ({"grade": 5, "outcome": "recovered"}, "outcome",
     "A grade 5 event is fatal by definition (CTCAE v5.0)."),
    ({"site_aware_at": datetime(2024, 3, 15, 10, tzinfo=UTC),
      "sponsor_reported_at": datetime(2024, 3, 15, 9, tzinfo=UTC)}, "sponsor_reported_at",
     "is before the site became aware of the event."),
    ({"resolution_date": D("0024-03-20")}, "resolution_date",
     "0024-03-20 is before 1900-01-01, the earliest clinical date"),
    ({"site_aware_at": datetime(1899, 12, 31, 23, 59, tzinfo=UTC)}, "site_aware_at",
     "1899-12-31T23:59:00+00:00 is before 1900-01-01, the earliest clinical date"),
])
@pytest.mark.requirement("CLIN-AE-01", "CLIN-AE-04")
def test_adverse_event_rules(infused_patient, fields, field, message):
    values = dict(patient=infused_patient, term="Cytokine release syndrome", grade=2,
                  onset_date=D("2024-03-14"), relatedness="probable")
    values.update(fields)
    assert message in refusal(AdverseEvent(**values))[field]


@pytest.mark.requirement("CON-BAD-03")
def test_nothing_clinical_after_death_from_either_side(infused_patient):
    factories.adverse_event(infused_patient, onset_date=D("2024-04-10"))
    errors = refusal(Death(patient=infused_patient, date=D("2024-04-01"), cause="other"))
    assert "is after the patient's death on 2024-04-01 (nothing clinical after death)" in \
        errors["date"][0]

    factories.death(infused_patient, on=D("2024-04-20"))
    errors = refusal(ResponseAssessment(patient=infused_patient, visit="W8", date=D("2024-05-07"),
                                        response="NE"))
    assert errors["date"] == [
        "2024-05-07 is after the patient's death on 2024-04-20 (nothing clinical after death)"]


def test_a_patient_dies_once(infused_patient):
    factories.death(infused_patient, on=D("2024-06-01"))
    errors = refusal(Death(patient=infused_patient, date=D("2024-06-02"), cause="other"))
    assert errors["__all__"] == ["There is already a record of this kind for this patient."]


@pytest.mark.parametrize(("model", "fields", "field", "message"), [
    (CrsDetails, {"max_temp_c": 47.0, "hypotension": "none", "oxygen": "none"}, "max_temp_c",
     "47.0 is not a body temperature in °C (30–45)"),
    (CrsDetails, {"max_temp_c": 39.0, "hypotension": "vasopressin", "oxygen": "none"},
     "hypotension", "Value 'vasopressin' is not a valid choice."),
    (IcansDetails, {"instrument": "ICE", "ice_score": 11}, "ice_score",
     "11 is not an ICE score (0–10)"),
    (IcansDetails, {"instrument": "ICE", "ice_score": 5, "capd_score": 4}, "capd_score",
     "A CAPD score is recorded only when CAPD is the instrument."),
    (IcansDetails, {"instrument": "CAPD", "capd_score": 4}, "instrument",
     "The patient was 27 at consent: from 12, ICANS is screened with ICE."),
    (GvhdDetails, {"skin_stage": 5, "liver_stage": 0, "upper_gi_stage": 0, "lower_gi_stage": 0,
                   "magic_grade": 1}, "skin_stage", "5 is not a MAGIC organ stage (0–4)"),
    (GvhdDetails, {"skin_stage": 1, "liver_stage": 0, "upper_gi_stage": 2, "lower_gi_stage": 0,
                   "magic_grade": 1}, "upper_gi_stage", "2 is not a MAGIC upper-GI stage (0–1)"),
])
def test_adverse_event_detail_rules(infused_patient, model, fields, field, message):
    ae = factories.adverse_event(infused_patient)
    assert message in refusal(model(adverse_event=ae, **fields))[field]


@pytest.mark.requirement("CLIN-ICANS-09")
def test_a_child_is_screened_with_capd_not_ice(coordinator):
    child = factories.patient("RD-002", age_at_consent=7, guardian_consent=True)
    factories.lymphodepletion(child)
    factories.infusion(child)
    ae = factories.adverse_event(child, term="Immune effector cell-associated neurotoxicity "
                                           "syndrome")
    errors = refusal(IcansDetails(adverse_event=ae, instrument="ICE", ice_score=8))
    assert errors["instrument"] == [
        "The patient was 7 at consent: under 12, ICANS is screened with CAPD."]
    assert factories.icans_details(ae, instrument="CAPD", ice_score=None, capd_score=10).pk


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"marrow_blasts_pct": -1.0}, "marrow_blasts_pct", "-1.0 is not a percentage (0–100)"),
    ({"mrd_pct": 120.0}, "mrd_pct", "120.0 is not a percentage (0–100)"),
    ({"anc_per_uL": -5.0}, "anc_per_uL", "-5.0 is not zero or a positive number"),
    ({"visit": "W6"}, "visit", "Value 'W6' is not a valid choice."),
    ({"response": "CRh"}, "response", "Value 'CRh' is not a valid choice."),
    ({"extramedullary": "maybe"}, "extramedullary", "Value 'maybe' is not a valid choice."),
])
def test_response_assessment_rules(infused_patient, fields, field, message):
    values = dict(patient=infused_patient, visit="W4", date=D("2024-04-09"), response="CR")
    values.update(fields)
    assert message in refusal(ResponseAssessment(**values))[field]


@pytest.mark.parametrize(("fields", "message"), [
    ({"below_lloq": True, "car_copies_per_ug_gdna": 10.0},
     "A sample below the LLOQ has no quantified value; leave it empty."),
    ({"below_lloq": False, "car_copies_per_ug_gdna": None},
     "Give the quantified value, or tick 'below the LLOQ'."),
    ({"below_lloq": False, "car_copies_per_ug_gdna": -3.0},
     "-3.0 is not zero or a positive number"),
])
def test_pk_sample_rules(infused_patient, fields, message):
    values = dict(patient=infused_patient, nominal_day=7, matrix="peripheral_blood",
                  collected_at=datetime(2024, 3, 19, 9, tzinfo=UTC))
    values.update(fields)
    assert message in refusal(PkSample(**values))["car_copies_per_ug_gdna"]


def test_a_lymphodepletion_before_enrollment_is_refused(coordinator):
    patient = factories.patient()
    with pytest.raises(ValidationError) as refused:
        factories.lymphodepletion(patient, start=D("2024-03-02"))
    assert refused.value.message_dict["start_date"] == [
        "2024-03-02 is before the enrollment date 2024-03-04 (enrollment ≤ lymphodepletion)"]


@pytest.mark.parametrize(("model", "update"), [
    (AdverseEvent, {"grade": 7}),
    (AdverseEvent, {"resolution_date": D("2024-01-01")}),
    (Patient, {"age_at_consent": 200}),
    (Infusion, {"viability_pct": 140.0}),
])
def test_the_database_refuses_out_of_range_values_whatever_the_code_path(infused_patient, model,
                                                                         update):
    factories.adverse_event(infused_patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.update(**update)


def test_a_valid_full_casebook_saves(infused_patient):
    ae = factories.adverse_event(infused_patient, grade=3, resolution_date=D("2024-03-18"))
    factories.crs_details(ae)
    factories.response(infused_patient, on=D("2024-04-09"))
    factories.pk_sample(infused_patient, day=7)
    factories.hsct(infused_patient, on=D("2024-06-01"))
    factories.disease_event(infused_patient, on=D("2024-09-01"))
    factories.contact(infused_patient, on=D("2024-12-01"))
    factories.death(infused_patient, on=D("2025-01-10"))
    assert infused_patient.adverse_events.count() == 1
    assert (D("2025-01-10") - infused_patient.infusions.get().date) > timedelta(days=300)

"""Every bad-input rule of the casebook bundle: the exact message with its JSON path, and an
untouched database."""

import copy

import pytest
from django.apps import apps

from exchange.services import BundleProblems, bundle_import_json, parse_bundle
from tests import factories
from tests.data import demo_casebook

pytestmark = pytest.mark.django_db
SAMPLE = demo_casebook()


def sample():
    return copy.deepcopy(SAMPLE)


def clinical_row_count() -> int:
    return sum(m.all_objects.count() for a in ("patients", "dosing", "safety", "efficacy", "pk")
               for m in apps.get_app_config(a).get_models() if hasattr(m, "all_objects"))


def problems_of(bundle) -> list[str]:
    before = clinical_row_count()
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle)
    assert clinical_row_count() == before, "a refused bundle must change nothing"
    return refused.value.problems


def with_change(edit) -> list[str]:
    bundle = sample()
    edit(bundle)
    return problems_of(bundle)


def first_patient_ae(b):
    return b["patients"][0]["adverse_events"][0]


CASES = [
    # vocabularies
    (lambda b: b["patients"][0].update(sex="X"), "patients[0].sex: 'X' is not one of M|F"),
    (lambda b: b["patients"][1].update(diagnosis="B-ALL"),
     "patients[1].diagnosis: 'B-ALL' is not one of T-ALL|T-LBL"),
    (lambda b: first_patient_ae(b).update(relatedness="likely"),
     "patients[0].adverse_events[0].relatedness: 'likely' is not one of "
     "unrelated|unlikely|possible|probable|definite"),
    (lambda b: b["patients"][0]["response_assessments"][0].update(visit="W6"),
     "patients[0].response_assessments[0].visit: 'W6' is not one of "
     "SCREENING|W4|W8|W12|M6|M9|M12|UNSCHEDULED"),
    (lambda b: b["patients"][0]["response_assessments"][0].update(extramedullary="gone"),
     "patients[0].response_assessments[0].extramedullary: 'gone' is not one of "
     "none|cr|pr|sd|pd|not_assessed"),
    (lambda b: b["patients"][0]["response_assessments"][0].update(response="MRD-"),
     "patients[0].response_assessments[0].response: 'MRD-' is not one of CR|CRi|PR|SD|PD|NE"),
    (lambda b: b["patients"][0]["pk_samples"][0].update(matrix="plasma"),
     "patients[0].pk_samples[0].matrix: 'plasma' is not one of "
     "peripheral_blood|bone_marrow|csf"),
    (lambda b: first_patient_ae(b).update(dlt_adjudication="maybe"),
     "patients[0].adverse_events[0].dlt_adjudication: 'maybe' is not one of "
     "null|confirmed|rejected"),
    (lambda b: b["study"].update(escalation_design="CRM"),
     "study.escalation_design: 'CRM' is not one of BOIN|3+3"),
    # text PostgreSQL cannot store
    (lambda b: first_patient_ae(b).update(term="Fatigue\x00"),
     "patients[0].adverse_events[0].term: 'Fatigue\\x00' contains a NUL character (\\x00), "
     "which cannot be stored"),
    # numbers
    (lambda b: first_patient_ae(b).update(grade=7),
     "patients[0].adverse_events[0].grade: 7 is not a CTCAE grade (1–5)"),
    (lambda b: b["patients"][0].update(cd7_positive_blasts_pct=104.0),
     "patients[0].cd7_positive_blasts_pct: 104.0 is not a percentage (0–100)"),
    (lambda b: b["patients"][0]["response_assessments"][1].update(mrd_pct=-0.5),
     "patients[0].response_assessments[1].mrd_pct: -0.5 is not a percentage (0–100)"),
    (lambda b: b["patients"][0]["infusions"][0].update(cells_per_kg=-5.0),
     "patients[0].infusions[0].cells_per_kg: -5.0 is not a positive number"),
    (lambda b: b["patients"][0].update(age_at_consent=130),
     "patients[0].age_at_consent: 130 is not an age in years (0–120)"),
    (lambda b: b["study"].update(target_dlt_rate=1.5),
     "study.target_dlt_rate: 1.5 is not a probability strictly between 0 and 1"),
    # dates out of order
    (lambda b: b["patients"][0].update(enrollment_date="2023-02-10"),
     "patients[0].enrollment_date: 2023-02-10 is before the consent date 2023-02-14 "
     "(consent ≤ enrollment)"),
    (lambda b: b["patients"][0]["lymphodepletion"].update(start_date="2023-02-18"),
     "patients[0].lymphodepletion.start_date: 2023-02-18 is before the enrollment date "
     "2023-02-19 (enrollment ≤ lymphodepletion)"),
    (lambda b: b["patients"][0]["infusions"][0].update(date="2023-02-28"),
     "patients[0].infusions[0].date: 2023-02-28 is before the lymphodepletion start "
     "2023-03-01 (lymphodepletion ≤ infusion)"),
    (lambda b: first_patient_ae(b).update(resolution_date="2023-03-06"),
     "patients[0].adverse_events[0].resolution_date: 2023-03-06 is before the onset date "
     "2023-03-07 (resolution ≥ onset)"),
    (lambda b: b["patients"][0].update(death={"date": "2023-05-01", "cause": "other"}),
     "patients[0].response_assessments[1].date: 2023-05-02 is after the patient's death on "
     "2023-05-01 (nothing clinical after death)"),
    (lambda b: b["patients"][0]["infusions"][0].update(date="2099-01-01"),
     "patients[0].infusions[0].date: 2099-01-01 is after the cutoff of"),
    (lambda b: b["patients"][0].update(consent_date="1899-12-31"),
     "patients[0].consent_date: 1899-12-31 is before 1900-01-01, the earliest clinical date"),
    (lambda b: first_patient_ae(b).update(resolution_date="0001-01-01"),
     "patients[0].adverse_events[0].resolution_date: 0001-01-01 is before 1900-01-01, the "
     "earliest clinical date"),
    (lambda b: b["patients"][0]["pk_samples"][0].update(collected_at="0001-01-01T00:00:00+05:00"),
     "patients[0].pk_samples[0].collected_at: 0001-01-01T00:00:00+05:00 is before 1900-01-01, "
     "the earliest clinical date"),
    # identity and references
    (lambda b: b["patients"][1].update(subject_id="DEMO-01"),
     "patients[1].subject_id: 'DEMO-01' is already the subject ID of patients[0]"),
    (lambda b: b["patients"][0]["infusions"][0].update(dose_level="DL9"),
     "patients[0].infusions[0].dose_level: 'DL9' is not in study.dose_levels (DL1, DL2, DL3)"),
    (lambda b: b["patients"][0]["infusions"][0].update(dose_level=["DL1"]),
     "patients[0].infusions[0].dose_level: ['DL1'] is not in study.dose_levels (DL1, DL2, DL3)"),
    (lambda b: b["patients"][0]["infusions"].append(dict(b["patients"][0]["infusions"][0])),
     "patients[0].infusions[1].number: infusion 1 is listed twice for this patient"),
    (lambda b: b["study"]["dose_levels"].append({"code": "DL1", "cells_per_kg": 1.0}),
     "study.dose_levels[3].code: 'DL1' is listed twice"),
    (lambda b: b["study"]["dose_levels"][0].update(total_cells=1e8),
     "study.dose_levels[0].cells_per_kg: A dose level is defined either per kg (cells_per_kg) "
     "or as a flat dose (total_cells): give exactly one."),
    # unknown keys, types, required keys, format
    (lambda b: b.update(cutoff="2024-01-01"),
     "bundle.cutoff: unknown key (allowed: format, version, study, patients)"),
    (lambda b: first_patient_ae(b).update(grde=2),
     "patients[0].adverse_events[0].grde: unknown key"),
    (lambda b: first_patient_ae(b).update(crs={"max_temp": 39.0}),
     "patients[0].adverse_events[0].crs.max_temp: unknown key"),
    (lambda b: b["patients"][0].update(age_at_consent="30"),
     "patients[0].age_at_consent: '30' is not a whole number"),
    (lambda b: b["patients"][0].update(age_at_consent=True),
     "patients[0].age_at_consent: True is not a whole number"),
    (lambda b: b["patients"][0].update(consent_date="2023-2-14"),
     "patients[0].consent_date: '2023-2-14' is not a date YYYY-MM-DD"),
    (lambda b: b["patients"][0]["pk_samples"][0].update(collected_at="2023-03-06T09:00:00"),
     "patients[0].pk_samples[0].collected_at: '2023-03-06T09:00:00' is not a date-time in "
     "ISO 8601 with an offset or Z"),
    (lambda b: first_patient_ae(b).update(serious=None),
     "patients[0].adverse_events[0].serious: required"),
    (lambda b: b["patients"][0].pop("sex"), "patients[0].sex: required"),
    (lambda b: b["patients"][0].update(adverse_events={}),
     "patients[0].adverse_events: expected a list, got an object"),
    (lambda b: b.update(format="redcap"), "format: 'redcap' is not 'edc-casebook'"),
    (lambda b: b.update(version=2), "version: 2 is not a supported version (1)"),
    # the forms' own model rules
    (lambda b: b["patients"][0]["pk_samples"][0].update(car_copies_per_ug_gdna=12.0),
     "patients[0].pk_samples[0].car_copies_per_ug_gdna: A sample below the LLOQ has no "
     "quantified value; leave it empty."),
    (lambda b: first_patient_ae(b).update(
        icans={"instrument": "CAPD", "capd_score": 3}),
     "patients[0].adverse_events[0].icans.instrument: The patient was 30 at consent: from 12, "
     "ICANS is screened with ICE."),
    (lambda b: b["patients"][0].update(off_study={"date": "2023-06-01", "reason": None}),
     "patients[0].off_study.reason: required"),
]


@pytest.mark.parametrize(("edit", "expected"), CASES)
@pytest.mark.requirement("CON-BAD-01", "CON-BAD-02", "CON-BAD-03", "CON-BAD-04", "CON-BAD-05",
                         "CON-BUN-01", "CON-BUN-02", "CON-BUN-08", "CON-VOC-01", "CON-VOC-02",
                         "CON-VOC-03", "CON-VOC-04", "CON-VOC-05", "CON-VOC-07", "CON-VOC-08")
def test_each_bad_input_is_named_with_its_path_and_rule(edit, expected):
    problems = with_change(edit)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.requirement("CON-MGMT-01")
def test_every_problem_is_reported_not_just_the_first():
    bundle = sample()
    bundle["patients"][0]["sex"] = "X"
    bundle["patients"][2]["adverse_events"] = [dict(bundle["patients"][0]["adverse_events"][0],
                                                    grade=9)]
    bundle["patients"][4]["infusions"][0]["dose_level"] = "DL7"
    problems = problems_of(bundle)
    assert len(problems) == 3
    assert [p.split(":")[0] for p in problems] == [
        "patients[0].sex", "patients[2].adverse_events[0].grade", "patients[4].infusions[0]"
        ".dose_level"]


def test_a_subject_already_in_the_database_is_refused_without_replace():
    factories.patient("DEMO-03")
    problems = problems_of(sample())
    assert problems == ["patients[2].subject_id: 'DEMO-03' is already in this database (import "
                        "with --replace to replace the trial's data)"]


def test_a_different_protocol_needs_replace():
    bundle_import_json(sample())
    bundle = sample()
    for patient in bundle["patients"]:
        patient["subject_id"] += "-B"
    bundle["study"]["dose_levels"][1]["cells_per_kg"] = 3e7
    problems = problems_of(bundle)
    assert problems[0].startswith("study.dose_levels[1]: DL2 is defined differently in this "
                                  "database")


def test_malformed_json_is_a_problem_too():
    with pytest.raises(BundleProblems) as refused:
        parse_bundle(b'{"format": "edc-casebook",')
    assert refused.value.problems[0].startswith("bundle: not valid JSON")

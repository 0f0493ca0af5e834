"""The central lab posts PK results in bulk: the import's rules and messages, all or nothing."""

import json
from datetime import date

import pytest

from core.audit import field_changes
from exchange.lab_results import LAB_RESULTS_REASON, MAX_SAMPLES_PER_BATCH
from exchange.read import read_bundle
from exchange.services import BundleProblems
from pk.models import PkSample
from tests import factories

URL = "/api/v1/pk-samples/"


def sample(subject="RD-002", **fields):
    row = {"subject_id": subject, "nominal_day": 7, "collected_at": "2024-03-19T09:00:00Z",
           "matrix": "peripheral_blood", "car_copies_per_ug_gdna": 98000.0, "below_lloq": False,
           "car_t_cells_per_uL": 21.5}
    row.update(fields)
    return row


def post(client, rows):
    return client.post(URL, json.dumps(rows), content_type="application/json")


def test_a_coordinator_posts_a_batch_and_each_sample_is_audited(trial, as_role):
    # given
    rows = [sample(), sample(nominal_day=14, collected_at="2024-03-26T10:30:00+01:00",
                            car_copies_per_ug_gdna=None, below_lloq=True,
                            car_t_cells_per_uL=None)]
    # when
    response = post(as_role("coordinator"), rows)
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] == 2
    stored = list(PkSample.objects.filter(pk__in=body["ids"]).order_by("nominal_day"))
    assert [(s.patient.subject_id, s.nominal_day, s.below_lloq) for s in stored] == [
        ("RD-002", 7, False), ("RD-002", 14, True)]
    assert stored[1].collected_at.isoformat() == "2024-03-26T09:30:00+00:00"
    for s in stored:
        [entry] = field_changes(s)
        assert entry["who"] == "test-coordinator"
        assert entry["reason"] == LAB_RESULTS_REASON and entry["type"] == "created"


def test_the_new_samples_appear_in_the_listing(trial, as_role):
    post(as_role("admin"), [sample()])
    listed = as_role("sponsor").get(f"{URL}?subject=RD-002").json()["results"]
    assert [(r["nominal_day"], r["car_copies_per_ug_gdna"]) for r in listed] == [(7, 98000.0)]


@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 201), ("admin", 201), ("investigator", 403), ("monitor", 403),
    ("sponsor", 403), (None, 401)])
def test_who_may_post(trial, as_role, role, expected):
    before = PkSample.all_objects.count()
    response = post(as_role(role), [sample()])
    assert response.status_code == expected
    assert PkSample.all_objects.count() == before + (1 if expected == 201 else 0)


def test_one_bad_row_and_nothing_is_written_every_problem_named(trial, as_role):
    # given a good row between bad ones
    rows = [sample(matrix="saliva"),
            sample(),
            sample(subject="RD-999"),
            sample(car_copies_per_ug_gdna=5.0, below_lloq=True,
                   collected_at="2024-03-26T09:00:00Z"),
            sample(collected_at="2024-03-19 09:00", colour="red"),
            sample("RD-001", collected_at="2025-03-01T08:00:00Z")]
    before = PkSample.all_objects.count()
    # when
    response = post(as_role("coordinator"), rows)
    # then
    assert response.status_code == 400
    assert response.json() == {"detail": "6 problem(s): nothing was stored.", "problems": [
        "pk_samples[0].matrix: 'saliva' is not one of peripheral_blood|bone_marrow|csf",
        "pk_samples[2].subject_id: 'RD-999' is not a patient of this trial",
        "pk_samples[3].car_copies_per_ug_gdna: A sample below the LLOQ has no quantified "
        "value; leave it empty.",
        "pk_samples[4].colour: unknown key (allowed: subject_id, nominal_day, collected_at, "
        "matrix, car_copies_per_ug_gdna, below_lloq, car_t_cells_per_uL, confirmed_checks)",
        "pk_samples[4].collected_at: '2024-03-19 09:00' is not a date-time in ISO 8601 with an "
        "offset or Z",
        "pk_samples[5].collected_at: 2025-03-01 is after the patient's death on 2025-01-10 "
        "(nothing clinical after death)"]}
    assert PkSample.all_objects.count() == before


def test_the_messages_are_the_casebook_imports_own(trial, as_role):
    """The same bad sample in a casebook bundle gets the same message, under its bundle path."""
    bad = {"nominal_day": 4000, "collected_at": "2099-01-01T09:00:00Z",
           "matrix": "peripheral_blood", "below_lloq": False}
    bundle = json.loads(json.dumps(_bundle_with_pk_sample(bad)))
    with pytest.raises(BundleProblems) as imported:
        read_bundle(bundle, today=date.today(), replacing=True)
    posted = post(as_role("coordinator"), [sample("RD-002", **bad, car_copies_per_ug_gdna=None,
                                                  car_t_cells_per_uL=None)]).json()
    expected = [p.split(": ", 1)[1] for p in imported.value.problems]
    assert [p.split(": ", 1)[1] for p in posted["problems"]] == expected
    assert len(expected) == 2  # nominal day out of range, no value


def test_a_sample_cannot_be_dated_in_the_future(trial, as_role):
    response = post(as_role("coordinator"), [sample(collected_at="2099-01-01T09:00:00Z")])
    assert response.json()["problems"] == [
        f"pk_samples[0].collected_at: 2099-01-01 is after the cutoff of {date.today()}: a record "
        "cannot be dated in the future"]


def _bundle_with_pk_sample(pk_sample):
    return {"format": "edc-casebook", "version": 1,
            "study": {"protocol_id": "RD13-02-PH1", "escalation_design": "BOIN",
                      "target_dlt_rate": 0.3, "dlt_window_days": 28,
                      "dose_levels": [{"code": "DL1", "cells_per_kg": 5e6}]},
            "patients": [{"subject_id": "RD-100", "sex": "F", "age_at_consent": 30,
                          "diagnosis": "T-ALL", "consent_date": "2024-03-01",
                          "enrollment_date": "2024-03-04", "pk_samples": [pk_sample]}]}


def test_a_batch_sent_twice_is_not_stored_twice(trial, as_role):
    client = as_role("coordinator")
    assert post(client, [sample()]).status_code == 201
    again = post(client, [sample(nominal_day=7),
                          sample(nominal_day=14, collected_at="2024-03-27T09:00:00Z"),
                          sample(nominal_day=14, collected_at="2024-03-27T10:00:00+01:00")])
    assert again.status_code == 400
    assert again.json()["problems"] == [
        "pk_samples[2].collected_at: the same sample as pk_samples[1]",
        "pk_samples[0].collected_at: EC-PK-01 (hard): a peripheral blood sample of RD-002 "
        "collected at 2024-03-19T09:00:00+00:00 is already recorded."]
    assert PkSample.objects.filter(patient__subject_id="RD-002").count() == 1


@pytest.mark.parametrize(("body", "problem"), [
    ({"subject_id": "RD-002"}, "pk_samples: expected a list of samples, got an object"),
    ([], "pk_samples: at least one sample is required"),
    ([sample()] * (MAX_SAMPLES_PER_BATCH + 1),
     f"pk_samples: {MAX_SAMPLES_PER_BATCH + 1} samples: at most {MAX_SAMPLES_PER_BATCH} per "
     "request"),
    (["RD-002"], "pk_samples[0]: expected an object, got a string"),
    ([sample("RD\x00002")], "pk_samples[0].subject_id: 'RD\\x00002' is not a patient of this "
                            "trial"),
    ([{"subject_id": 2, "nominal_day": 7, "collected_at": "2024-03-19T09:00:00Z",
       "car_copies_per_ug_gdna": 1.0}], "pk_samples[0].subject_id: 2 is not a string"),
])
def test_the_shape_of_the_batch(trial, as_role, body, problem):
    response = post(as_role("coordinator"), body)
    assert response.status_code == 400
    assert response.json()["problems"] == [problem]


def test_malformed_json_gets_the_same_error_shape(trial, as_role):
    response = as_role("coordinator").post(URL, "[{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert response.json()["problems"] == []


def test_a_body_nested_1000_levels_deep_gets_400_naming_the_limit(trial, as_role):
    response = as_role("coordinator").post(URL, "[" * 1000 + "]" * 1000,
                                           content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The JSON body nests too deeply: nothing was read or changed.",
        "problems": ["body: arrays and objects nested 1000 levels deep; at most 32 are "
                     "accepted"]}


def test_a_body_over_the_request_limit_gets_413_in_the_error_body(trial, as_role, settings):
    # given a limit below this batch's size
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    # when
    response = post(as_role("coordinator"), [sample(nominal_day=day) for day in range(1, 20)])
    # then
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is over the limit of 1,000 bytes (REQUEST_BODY_MAX_BYTES): "
                  "nothing was read or changed.",
        "problems": ["body: larger than 1,000 bytes"]}
    assert not PkSample.objects.filter(patient__subject_id="RD-002").exists()


def test_a_sample_for_a_locked_casebook_is_refused_naming_the_row_and_the_lock(trial, as_role):
    from monitoring.reviews import casebook_lock

    # given RD-002's casebook locked by a monitor
    casebook_lock(patient=trial["RD-002"], by=factories.user("monitor"), reason="database lock")
    before = PkSample.all_objects.count()
    # when a batch holds a sample for it among others
    response = post(as_role("coordinator"), [sample("RD-001", collected_at="2024-03-20T09:00:00Z"),
                                             sample(), sample(nominal_day=14,
                                                              collected_at="2024-03-26T09:00:00Z")])
    # then both of its rows are refused, naming the lock, and nothing is stored
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [p.split(":")[0] for p in problems] == ["pk_samples[1].subject_id",
                                                   "pk_samples[2].subject_id"]
    assert all("locked" in p and "Test Monitor" in p for p in problems)
    assert PkSample.all_objects.count() == before


@pytest.mark.parametrize("collected_at", ["1899-12-31T23:00:00Z", "0001-01-01T00:00:00+05:00"])
def test_a_sample_dated_before_1900_is_refused_naming_the_field(trial, as_role, collected_at):
    response = post(as_role("coordinator"), [sample(collected_at=collected_at)])
    assert response.status_code == 400
    [problem] = response.json()["problems"]
    assert problem.startswith("pk_samples[0].collected_at: ")
    assert problem.endswith("is before 1900-01-01, the earliest clinical date")
    assert not PkSample.objects.filter(patient__subject_id="RD-002").exists()


def test_a_sample_of_a_voided_patient_is_refused(trial, as_role):
    from core.audit import record_void

    admin, patient = factories.user("admin"), trial["RD-002"]
    # a patient is voided once none of their records is current
    for records in (patient.adverse_events, patient.response_assessments, patient.infusions,
                    patient.lymphodepletions):
        for record in records.all():
            record_void(record, by=admin, reason="duplicate entry")
    record_void(patient, by=admin, reason="duplicate entry")
    response = post(as_role("coordinator"), [sample()])
    assert response.json()["problems"] == [
        "pk_samples[0].subject_id: 'RD-002' is not a patient of this trial"]

"""The central lab posts laboratory results in bulk (`POST /api/v1/lab-results/`), as it posts
PK results: the import's rules and messages, all or nothing, audited as "central lab results"."""

import json

import pytest

from core.audit import field_changes
from exchange.lab_results import LAB_RESULTS_REASON
from labs.models import LabResult

URL = "/api/v1/lab-results/"


def result(subject="RD-002", **fields):
    row = {"subject_id": subject, "collected_at": "2024-03-19T07:30:00Z", "test": "anc",
           "value": 0.3, "unit": "10^9/L", "below_detection": False, "ref_low": 1.8,
           "ref_high": 7.5}
    row.update(fields)
    return row


def post(client, rows):
    return client.post(URL, json.dumps(rows), content_type="application/json")


def test_a_coordinator_posts_a_batch_and_each_result_is_audited(trial, as_role):
    rows = [result(), result(test="alt", value=140, unit="U/L", ref_low=0, ref_high=40)]
    response = post(as_role("coordinator"), rows)
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 2
    stored = list(LabResult.objects.filter(pk__in=response.json()["ids"]).order_by("test"))
    assert [(r.test, r.value, r.unit) for r in stored] == [("alt", 140, "U/L"),
                                                           ("anc", 0.3, "10^9/L")]
    for r in stored:
        [entry] = field_changes(r)
        assert entry["who"] == "test-coordinator"
        assert entry["reason"] == LAB_RESULTS_REASON and entry["type"] == "created"


def test_the_listing_carries_the_derived_ctcae_grade(trial, as_role):
    post(as_role("coordinator"), [result(), result(test="crp", value=80, unit="mg/L",
                                                   ref_low=0, ref_high=5)])
    listed = as_role("sponsor").get(f"{URL}?subject=RD-002&ordering=test").json()["results"]
    assert [(r["test"], r["ctcae_grade"]) for r in listed] == [("anc", 4), ("crp", None)]


@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 201), ("admin", 201), ("investigator", 403), ("monitor", 403),
    ("sponsor", 403), (None, 401)])
def test_who_may_post(trial, as_role, role, expected):
    before = LabResult.all_objects.count()
    assert post(as_role(role), [result()]).status_code == expected
    assert LabResult.all_objects.count() == before + (1 if expected == 201 else 0)


def test_one_bad_row_and_nothing_is_written_every_problem_named(trial, as_role):
    rows = [result(test="troponin"), result(), result(unit="g/L", collected_at="2024-03-21T07:30Z"),
            result(ref_low=8, ref_high=2, collected_at="2024-03-20T07:30:00Z"),
            result(subject="RD-999")]
    response = post(as_role("coordinator"), rows)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "4 problem(s): nothing was stored."
    assert body["problems"][0].startswith("lab_results[0].test: 'troponin' is not one of anc|")
    assert body["problems"][1:] == [
        "lab_results[2].unit: Neutrophils (ANC) is recorded in ×10⁹/L; convert the value to it.",
        "lab_results[3].ref_high: The reference range's high limit is below its low limit.",
        "lab_results[4].subject_id: 'RD-999' is not a patient of this trial"]
    assert not LabResult.all_objects.filter(patient__subject_id="RD-002").exists()


def test_a_batch_sent_twice_is_not_stored_twice(trial, as_role):
    client = as_role("coordinator")
    assert post(client, [result()]).status_code == 201
    again = post(client, [result(), result(test="platelets", value=40, ref_low=150, ref_high=400),
                          result(test="platelets", value=41, ref_low=150, ref_high=400)])
    assert again.status_code == 400
    assert again.json()["problems"] == [
        "lab_results[2].collected_at: the same result as lab_results[1]",
        "lab_results[0].collected_at: EC-LAB-01 (hard): a Neutrophils (ANC) result of RD-002 "
        "collected at 2024-03-19T07:30:00+00:00 is already recorded."]
    assert LabResult.objects.filter(patient__subject_id="RD-002").count() == 1


@pytest.mark.parametrize(("body", "problem"), [
    ({"subject_id": "RD-002"}, "lab_results: expected a list of results, got an object"),
    ([], "lab_results: at least one result is required"),
])
def test_the_shape_of_the_batch(trial, as_role, body, problem):
    response = post(as_role("coordinator"), body)
    assert response.status_code == 400
    assert response.json()["problems"] == [problem]


def test_the_pk_post_is_untouched(trial, as_role):
    response = post(as_role("coordinator"), [])
    assert response.json()["problems"] == ["lab_results: at least one result is required"]
    pk = as_role("coordinator").post("/api/v1/pk-samples/", "[]",
                                     content_type="application/json")
    assert pk.json()["problems"] == ["pk_samples: at least one sample is required"]

import json

import pytest
from rest_framework.test import APIClient

from core.accounts import user_api_token
from patients.models import Patient
from tests import factories
from tests.data import DEMO_CASEBOOK

pytestmark = pytest.mark.django_db
SAMPLE = DEMO_CASEBOOK.read_text(encoding="utf-8")
URL = "/api/v1/casebook/"


def client_as(role=None):
    client = APIClient()
    if role:
        client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(factories.user(role))}")
    return client


def test_an_admin_imports_a_bundle():
    response = client_as("admin").post(URL, SAMPLE, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["imported"]["patients"] == 6
    assert Patient.objects.count() == 6


@pytest.mark.requirement("CON-BAD-01", "CON-BAD-02")
def test_a_bad_bundle_gets_400_with_every_problem_and_changes_nothing():
    bundle = json.loads(SAMPLE)
    bundle["patients"][0]["sex"] = "X"
    bundle["patients"][1]["adverse_events"] = [{"term": "Fever", "grade": 0, "serious": False,
                                                "onset_date": "2023-03-20",
                                                "relatedness": "possible"}]
    response = client_as("admin").post(URL, json.dumps(bundle), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "2 problem(s): nothing was imported.",
        "problems": ["patients[0].sex: 'X' is not one of M|F",
                     "patients[1].adverse_events[0].grade: 0 is not a CTCAE grade (1–5)"]}
    assert not Patient.all_objects.exists()


def test_malformed_json_gets_the_same_400_shape():
    response = client_as("admin").post(URL, "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["problems"][0].startswith("bundle: not valid JSON")


def test_replace_through_the_api():
    admin = client_as("admin")
    admin.post(URL, SAMPLE, content_type="application/json")
    response = admin.post(f"{URL}?replace=true", SAMPLE, content_type="application/json")
    assert response.status_code == 201 and response.json()["replaced"] is True
    assert Patient.objects.count() == 6 and Patient.all_objects.count() == 12


@pytest.mark.parametrize(("role", "expected"), [
    ("admin", 200), ("monitor", 200), ("coordinator", 403), ("investigator", 403),
    ("sponsor", 403), (None, 401)])
def test_who_may_export(role, expected):
    assert client_as(role).get(URL).status_code == expected


@pytest.mark.parametrize(("role", "expected"), [
    ("monitor", 403), ("coordinator", 403), ("sponsor", 403), (None, 401)])
def test_only_admins_may_import(role, expected):
    response = client_as(role).post(URL, SAMPLE, content_type="application/json")
    assert response.status_code == expected
    assert not Patient.all_objects.exists()


def test_the_export_is_the_bundle_format():
    admin = client_as("admin")
    admin.post(URL, SAMPLE, content_type="application/json")
    exported = admin.get(URL).json()
    assert exported["format"] == "edc-casebook" and exported["version"] == 1
    assert len(exported["patients"]) == 6


def test_a_bundle_nested_1000_levels_deep_gets_400_naming_the_limit():
    deep = '{"format": "edc-casebook", "patients": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client_as("admin").post(URL, deep, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "1 problem(s): nothing was imported.", "problems": [
        "bundle: arrays and objects nested 1001 levels deep; at most 32 are accepted"]}


def test_a_bundle_over_the_general_request_limit_is_imported_under_its_own(settings):
    # given a bundle larger than the limit of every other request
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(SAMPLE) // 2
    # when, then
    response = client_as("admin").post(URL, SAMPLE, content_type="application/json")
    assert response.status_code == 201
    assert Patient.objects.count() == 6


def test_a_bundle_over_the_casebook_limit_gets_413_pointing_to_the_command(settings):
    settings.CASEBOOK_UPLOAD_MAX_BYTES = 1000
    response = client_as("admin").post(URL, SAMPLE, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is over the limit of 1,000 bytes (CASEBOOK_UPLOAD_MAX_BYTES)"
                  ": nothing was read or changed. Import a bundle this large with "
                  "`manage.py import_casebook FILE`.",
        "problems": ["body: larger than 1,000 bytes"]}
    assert not Patient.all_objects.exists()

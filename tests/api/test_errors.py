"""One error body for every failure, and the rate limit on token calls."""

import pytest
from rest_framework.test import APIClient

from tests import factories


def test_a_wrong_token_is_a_401_in_the_error_body(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/patients/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "problems": []}
    assert response["WWW-Authenticate"] == "Token"


def test_a_refusal_names_the_role(trial, as_role):
    response = as_role("coordinator").get("/api/v1/adverse-events/")
    assert response.status_code == 403
    assert response.json() == {"detail": "This account's role (coordinator) may not GET "
                                         "/api/v1/adverse-events/.", "problems": []}


def test_an_unknown_api_url_is_a_404_in_the_error_body(trial, as_role):
    response = as_role("sponsor").get("/api/v1/adverse-events/not-an-id/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such API URL: /api/v1/adverse-events/not-an-id/",
                               "problems": []}


def test_a_listing_cannot_be_changed(trial, as_role):
    response = as_role("admin").put("/api/v1/deaths/1/", {}, format="json")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "PUT" not allowed.', "problems": []}


@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 200), ("sponsor", 200), ("investigator", 200), (None, 401)])
def test_options_answers_whoever_may_use_the_endpoint(trial, as_role, role, expected):
    assert as_role(role).options("/api/v1/pk-samples/").status_code == expected


def test_head_is_read_like_get(trial, as_role):
    assert as_role("sponsor").head("/api/v1/deaths/").status_code == 200
    assert as_role("coordinator").head("/api/v1/deaths/").status_code == 403


@pytest.mark.parametrize(("query", "problems"), [
    ("grade=3&grade=4", ["grade: given more than once; give it once."]),
    ("relatedness=", ["relatedness: empty; give a value or leave the parameter out."]),
    ("serious=yes", ["serious: Enter true or false."]),
    ("ordering=narrative", ["ordering: narrative: not one of subject_id, onset_date, grade, "
                            "dose_level_code (prefix - for descending)"]),
    ("page_size=ten", ["page_size: 'ten' is not a whole number of rows (1 or more)."]),
])
def test_a_bad_query_is_refused_rather_than_quietly_ignored(trial, as_role, query, problems):
    response = as_role("sponsor").get(f"/api/v1/adverse-events/?{query}")
    assert response.status_code == 400
    assert response.json()["problems"] == problems


def test_token_calls_are_rate_limited_with_the_error_body(trial, as_role, settings):
    # given a limit of 3 calls a minute
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"token": "3/minute"}}
    client = as_role("sponsor")
    # when
    statuses = [client.get("/api/v1/deaths/").status_code for _ in range(4)]
    # then
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/deaths/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert refused.json()["problems"] == []
    # another token has its own allowance
    assert as_role("monitor").get("/api/v1/deaths/").status_code == 200


def test_browser_sessions_are_not_rate_limited(trial, client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"token": "1/minute"}}
    client.force_login(factories.user("sponsor"))
    assert {client.get("/api/v1/deaths/").status_code for _ in range(3)} == {200}


def test_the_bulk_pk_post_has_its_own_tighter_limit(trial, as_role, settings):
    # given a bulk-write limit of 2 posts a minute, well under the token limit
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "100/minute", "bulk_write": "2/minute"}}
    client = as_role("coordinator")
    # when (an empty batch is refused, but every post counts)
    responses = [client.post("/api/v1/pk-samples/", [], format="json") for _ in range(3)]
    # then the third post is throttled, with the error body
    assert [r.status_code for r in responses] == [400, 400, 429]
    assert int(responses[2]["Retry-After"]) > 0
    assert responses[2].json()["detail"].startswith("Request was throttled.")

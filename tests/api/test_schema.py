"""The OpenAPI document: complete, valid, served offline, and true to the running API."""

import pytest
import schemathesis
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from core.accounts import user_api_token
from tests import factories

pytestmark = pytest.mark.django_db

# Bounded so that the whole run takes well under a minute.
EXAMPLES_PER_OPERATION = 4
LISTINGS = ("patients", "infusions", "adverse-events", "response-assessments", "disease-events",
            "hsct", "deaths", "pk-samples", "lab-results", "dlt-adjudications", "infections",
            "iec-hs", "secondary-malignancies", "rcl-tests", "concomitant-medications")


def test_spectacular_validates_the_schema_without_a_warning(tmp_path):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns any warning (an undescribed field, an unresolvable type) into exit 1.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for listing in LISTINGS:
        assert f"/api/v1/{listing}/" in paths
    for existing in ("/api/v1/casebook/", "/api/v1/reports/endpoints/",
                     "/api/v1/reports/data-review/"):
        assert existing in paths
    assert "post" in paths["/api/v1/pk-samples/"]
    assert "post" in paths["/api/v1/lab-results/"]


def _undescribed(schema: dict) -> list[str]:
    missing = []
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            if not spec.get("description"):
                missing.append(f"{name}.{field}")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not operation.get("summary"):
                missing.append(f"{method} {path}")
            missing += [f"{method} {path} ?{p['name']}" for p in operation.get("parameters", [])
                        if not p.get("description")]
    return missing


def test_every_endpoint_field_and_parameter_is_described(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert _undescribed(schema) == []


def test_every_operation_documents_the_error_body(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("400", "401", "403", "404", "429"):
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (
                    method, path, code)


@pytest.mark.parametrize(("page", "asset"), [
    ("/api/schema/swagger-ui/", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
    ("/api/schema/redoc/", "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
])
def test_the_documentation_pages_are_served_from_this_server(client, page, asset):
    response = client.get(page)
    html = response.content.decode()
    assert f"/static/{asset}" in html
    assert "https://" not in html
    assert finders.find(asset), asset
    # and the browser may not fetch from anywhere else, whatever the bundle tries
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, called in-process inside the test's transaction.

    As Django's test client does, requests must not close the database connection at their
    end (it would close the test's transaction on PostgreSQL).
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("role", ["admin", "sponsor"])
def test_the_api_keeps_to_its_schema(trial, settings, wsgi_app, role):
    """schemathesis against the served /api/schema/: for generated requests, valid and invalid,
    to every operation, no 5xx, and every status, content type and body as documented."""
    # Hundreds of calls in seconds: the token rate limit is tested elsewhere.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"token": "100000/minute"}}
    api = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    headers = {"Authorization": f"Token {user_api_token(factories.user(role))}"}
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == 55  # the listings, the exchange, the reports and the exports
    without_invalid_form = []
    for operation in operations:
        _fuzz(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), headers)
        try:
            _fuzz(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), headers)
        except Unsatisfiable:
            without_invalid_form.append(operation.label)
    # Only these have no invalid request to send: no input at all, or a path's free string.
    assert without_invalid_form == [
        "GET /api/v1/casebook/", "GET /api/v1/exports/forms.zip", "GET /api/v1/exports/odm.xml",
        "GET /api/v1/exports/sdtm.zip", "GET /api/v1/patients/{subject_id}/"]


def _fuzz(strategy, headers):
    """Generated requests to one operation. A POST body of the right shape may still break a
    clinical rule (an unknown subject, dates out of order), and a report's cutoff must be a
    date from 1900 to today, which OpenAPI cannot state for a date: a 400 to those is no
    failure."""

    @given(case=strategy)
    @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                         database=None, suppress_health_check=list(HealthCheck))
    def call(case):
        excluded = ([positive_data_acceptance]
                    if case.method == "POST" or case.path.startswith("/api/v1/reports/")
                    else [])
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    call()

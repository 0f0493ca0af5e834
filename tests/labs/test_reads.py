"""The counts D5 reads are one more query of the whole-trial read, whatever their number, and the
laboratory listing takes the same number of queries for a few results as for many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from endpoints.trial_rows import read_trial_rows
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def _results(patient, days):
    for day in days:
        factories.lab_result(patient, day=day, test="anc", value=0.3, ref_low=1.8)
        factories.lab_result(patient, day=day, test="alt", value=90, ref_low=0, ref_high=40)


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_the_trial_read_takes_thirteen_queries_at_any_number_of_counts(infused_patient):
    _results(infused_patient, [3])
    few = _queries(read_trial_rows)
    _results(infused_patient, range(4, 20))
    assert _queries(read_trial_rows) == few == 13
    assert len(read_trial_rows().cytopenia_counts) == 17  # ANC only, 17 days


def test_the_listing_takes_the_same_queries_for_few_and_many(infused_patient):
    client = token_client("monitor")
    _results(infused_patient, [3])
    few = _queries(lambda: client.get("/api/v1/lab-results/?page_size=1000"))
    _results(infused_patient, range(4, 20))
    response = None

    def read():
        nonlocal response
        response = client.get("/api/v1/lab-results/?page_size=1000")

    assert _queries(read) == few
    assert response.json()["count"] == 34

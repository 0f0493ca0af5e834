"""The patient list and the casebook take a fixed number of queries whatever the trial's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from trial_edc.casebook import casebook_import_json
from trial_edc.demo_trial import demo_bundle

pytestmark = pytest.mark.django_db

PAGES = ["/patients/", "/patients/?q=T-ALL", "/patients/RD-001/"]


def queries_per_page(client, patients: int) -> dict[str, int]:
    casebook_import_json(demo_bundle(patients, seed=7), replace=True)
    counts = {}
    for page in PAGES:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        counts[page] = len(captured)
    return counts


def test_pages_take_the_same_number_of_queries_for_a_small_and_a_larger_trial(client):
    # given
    client.force_login(factories.user("coordinator"))
    # when
    small = queries_per_page(client, patients=3)
    larger = queries_per_page(client, patients=15)
    # then
    assert small == larger, (small, larger)

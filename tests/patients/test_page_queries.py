"""Every list and review page takes a fixed number of queries whatever the trial's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safety.models import DltCandidate
from safety.services import dlt_candidates_sync
from tests import factories
from trial_edc.casebook import casebook_import_json
from trial_edc.demo_trial import demo_bundle

pytestmark = pytest.mark.django_db

PAGES = ["/patients/", "/patients/?q=T-ALL", "/patients/RD-001/", "/dlt-review/", "/queries/"]


def queries_per_page(client, patients: int) -> dict[str, int]:
    casebook_import_json(demo_bundle(patients, seed=7), replace=True)
    dlt_candidates_sync()  # what the recompute after an import does
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
    small_candidates = DltCandidate.objects.count()
    larger = queries_per_page(client, patients=15)
    # then
    assert DltCandidate.objects.count() > small_candidates  # the queue did grow
    assert small == larger, (small, larger)

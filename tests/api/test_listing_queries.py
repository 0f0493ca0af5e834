"""Each listing page takes the same number of queries whatever the trial's size."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from safety.adjudication import dlt_adjudication_revoke
from safety.models import AdverseEvent, DltAdjudication
from safety.selectors import esigned_dlt_decisions
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

LISTINGS = ("patients", "infusions", "adverse-events", "response-assessments", "disease-events",
            "hsct", "deaths", "pk-samples", "dlt-adjudications")


def queries_per_listing(role: str, patients: int) -> dict[str, tuple[int, int]]:
    # A replace may not overturn an investigator's signature: they revoke theirs first.
    for signed in esigned_dlt_decisions():
        dlt_adjudication_revoke(adjudication=signed, by=signed.signed_by,
                                password="a-long-test-passphrase", reason="trial reloaded")
    bundle_import_json(demo_bundle(patients, seed=7), replace=True)
    # The import's decisions are migrated ones, by the system user; an investigator signs more,
    # so the signer's role is read from real users' groups too.
    unadjudicated = AdverseEvent.objects.filter(
        ~Exists(DltAdjudication.objects.filter(adverse_event=OuterRef("pk"))))
    for adverse_event in unadjudicated[:patients // 4]:
        factories.adjudication(adverse_event, "rejected")
    client = token_client(role)
    counts = {}
    for listing in LISTINGS:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/{listing}/?page_size=1000")
        assert response.status_code == 200
        counts[listing] = (len(captured), response.json()["count"] > 0)
    return counts


@pytest.mark.parametrize("role", ["sponsor", "monitor"])
def test_listings_take_the_same_number_of_queries_for_a_small_and_a_larger_trial(role):
    small = queries_per_listing(role, patients=8)
    small_adjudications = DltAdjudication.objects.count()
    larger = queries_per_listing(role, patients=24)
    assert DltAdjudication.objects.count() > small_adjudications
    assert all(has_rows for _count, has_rows in small.values()), small
    assert small == larger, (small, larger)

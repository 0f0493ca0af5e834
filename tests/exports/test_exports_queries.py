"""Each export reads the database with the same number of queries whatever the trial's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from exports.services import export_bytes

pytestmark = pytest.mark.django_db


def queries_per_export(patients: int) -> dict[str, int]:
    bundle_import_json(demo_bundle(patients, seed=11), replace=True)
    counts = {}
    for kind in ("sdtm", "odm", "forms"):
        with CaptureQueriesContext(connection) as captured:
            assert export_bytes(kind, deidentified=False)
        counts[kind] = len(captured)
    return counts


def test_exports_take_the_same_queries_for_a_small_and_a_larger_trial():
    small = queries_per_export(3)
    larger = queries_per_export(15)
    assert small == larger, (small, larger)

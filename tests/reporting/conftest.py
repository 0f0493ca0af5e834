from datetime import date

import pytest

from endpoints.snapshots import recompute
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json

CUTOFF = date(2025, 6, 30)


@pytest.fixture
def demo_trial(db):
    """The demo trial of 12 patients with a fresh snapshot at CUTOFF."""
    bundle_import_json(demo_bundle(12, seed=7), replace=True)
    recompute(CUTOFF)

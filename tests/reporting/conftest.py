from datetime import date

import pytest

from trial_edc.casebook import casebook_import_json
from trial_edc.demo_trial import demo_bundle
from trial_edc.reports import recompute

CUTOFF = date(2025, 6, 30)


@pytest.fixture
def demo_trial(db):
    """The demo trial of 12 patients with a fresh snapshot at CUTOFF."""
    casebook_import_json(demo_bundle(12, seed=7), replace=True)
    recompute(CUTOFF)

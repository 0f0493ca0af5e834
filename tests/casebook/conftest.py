"""Fixtures for the browser CRF pages."""

import pytest

from tests import factories


@pytest.fixture
def enrolled_patient(db):
    """Consented 2024-03-01 and enrolled 2024-03-04, nothing else recorded yet."""
    return factories.patient("RD-001")

"""Fixtures shared by the whole suite."""

import os

import pytest

from tests import factories

IN_CI = os.environ.get("CI") == "true"


def skip_or_fail(reason: str):
    """Integration tests skip with a reason on a newcomer's machine and fail under CI=true."""
    if IN_CI:
        pytest.fail(f"CI=true requires this test to run: {reason}")
    pytest.skip(reason)


@pytest.fixture
def coordinator(db):
    return factories.user("coordinator")


@pytest.fixture
def investigator(db):
    return factories.user("investigator")


@pytest.fixture
def monitor(db):
    return factories.user("monitor")


@pytest.fixture
def sponsor(db):
    return factories.user("sponsor")


@pytest.fixture
def admin_user(db):
    return factories.user("admin")


@pytest.fixture
def infused_patient(db):
    """An enrolled patient, conditioned and infused at DL1 (day 0 = 2024-03-12)."""
    patient = factories.patient()
    factories.lymphodepletion(patient)
    factories.infusion(patient)
    return patient


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Production hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

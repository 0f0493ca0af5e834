"""Fixtures shared by the whole suite."""

import os
from contextlib import contextmanager

import pytest

from tests import factories

# The collection hook that checks every `@pytest.mark.requirement` id against docs/spec/.
from tests.traceability import pytest_collection_modifyitems  # noqa: F401

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


@contextmanager
def celery_publishing_to(broker_url: str, **conf):
    """This process's Celery app publishes to `broker_url` (not eagerly) inside the block.

    Celery caches its connection and producer pools and its result backend on first use, so they
    are dropped on the way in and out: otherwise a test would reach the previous test's broker.
    """
    from trial_edc.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager", *conf)
    saved = {key: app.conf[key] for key in keys}

    def drop_cached_connections():
        app._pool = None
        app.__dict__.get("amqp") and setattr(app.amqp, "_producer_pool", None)
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    drop_cached_connections()
    app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False,
                    **conf)
    try:
        yield app
    finally:
        app.conf.update(saved)
        drop_cached_connections()


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port, run by the test; yields (port, Received)."""
    from aiosmtpd.controller import Controller

    from tests.integration.conftest import free_port
    from tests.smtp import Received

    received = Received()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, received
    finally:
        controller.stop()


TRIAL_APPS = ("trial_edc", "patients", "dosing", "safety", "efficacy", "pk", "monitoring",
              "signoff")


def clinical_row_counts() -> dict[str, int]:
    """The rows of every table of the trial's records and of their audit trail (history
    tables), voided rows included; derived endpoint snapshots aside."""
    from django.apps import apps

    from endpoints.models import EndpointSnapshot

    return {model._meta.db_table: model._base_manager.count()
            for label in TRIAL_APPS for model in apps.get_app_config(label).get_models()
            if model is not EndpointSnapshot}

"""Redis stopped while coordinators save CRFs (issue 8, faults).

The app's broker and cache are a redis-server of the test's own, which the test kills and starts
again on the same port; a real worker process consumes from it.
"""

import time
import uuid
from datetime import date

import pytest
from rest_framework.test import APIClient

from core.audit import record_save
from endpoints.snapshots import data_version
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from patients.models import Patient
from tests import factories
from tests.integration.conftest import (
    publishing_like_production,
    start_worker,
    stop_worker,
    wait_for_snapshot_of,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# A save must not wait on a dead broker for long: the cache and broker timeouts in settings.
MOST_SECONDS_PER_SAVE_WITHOUT_REDIS = 3.0


@pytest.fixture
def worker_on_own_redis(own_redis, settings):
    queue = f"edc-faults-{uuid.uuid4().hex[:8]}"
    process = start_worker(own_redis.url, queue)
    with publishing_like_production(own_redis.url, queue, settings):
        yield own_redis
    stop_worker(process)


def report_snapshot() -> dict:
    client = APIClient()
    client.force_authenticate(factories.user("investigator"))
    response = client.get("/api/v1/reports/endpoints/")
    assert response.status_code == 200, response.content
    return response.json()["snapshot"]


def test_saves_survive_redis_going_away_and_the_report_catches_up(worker_on_own_redis):
    # given a trial whose snapshot a real worker keeps fresh
    redis_server = worker_on_own_redis
    bundle_import_json(demo_bundle(8, 3))
    wait_for_snapshot_of(data_version())
    redis_server.wait_until_acked()
    coordinator = factories.user()
    patients = list(Patient.objects.order_by("subject_id")[:3])

    # when Redis dies and coordinators keep saving
    redis_server.kill()
    for i, patient in enumerate(patients):
        patient.off_study_date, patient.off_study_reason = date(2025, 6, 1 + i), f"reason {i}"
        started = time.perf_counter()
        record_save(patient, by=coordinator, reason="withdrew while Redis was down")
        took = time.perf_counter() - started
        assert took < MOST_SECONDS_PER_SAVE_WITHOUT_REDIS, f"a save waited {took:.1f} s"

    # then every save is in the database with its history, and the report says stale
    for i, patient in enumerate(patients):
        stored = Patient.objects.get(pk=patient.pk)
        assert stored.off_study_reason == f"reason {i}"
        assert stored.history.first().history_change_reason == "withdrew while Redis was down"
    assert report_snapshot()["stale"] is True

    # when Redis comes back and the next save is made
    redis_server.start()
    patients[0].consent_version = "v2"
    record_save(patients[0], by=coordinator, reason="new consent version")

    # then a worker recomputes and the report is fresh again
    wait_for_snapshot_of(data_version())
    snapshot = report_snapshot()
    assert snapshot["stale"] is False
    assert snapshot["data_version"] == data_version()


def test_a_redis_that_hangs_delays_a_save_by_its_timeout_only(own_redis, settings):
    # given a trial, and Redis accepting connections but answering nothing
    settings.RECOMPUTE_ON_CHANGE = False
    bundle_import_json(demo_bundle(2, 3))
    settings.RECOMPUTE_ON_CHANGE = True
    patient = Patient.objects.order_by("subject_id").first()
    with publishing_like_production(own_redis.url, "edc-faults-hung", settings):
        own_redis.hang()
        try:
            # when a coordinator saves
            patient.consent_version = "v2"
            started = time.perf_counter()
            record_save(patient, by=factories.user(), reason="new consent version")
            took = time.perf_counter() - started
        finally:
            own_redis.resume()

    # then the save waited for the cache's timeout, not for the broker's retries, and stands
    assert took < MOST_SECONDS_PER_SAVE_WITHOUT_REDIS, f"a save waited {took:.1f} s"
    assert Patient.objects.get(pk=patient.pk).consent_version == "v2"

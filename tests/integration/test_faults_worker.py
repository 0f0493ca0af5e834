"""Celery workers killed or racing in the middle of a recompute (issue 8, faults).

Workers are real processes on a redis-server of the test's own; the ones started from
`tests.integration.faults_worker` pause inside the recompute's transaction, where a kill or a
second delivery would do most harm.
"""

import time
import uuid
from pathlib import Path

import pytest

from endpoints.models import EndpointSnapshot
from endpoints.snapshots import RECOMPUTE_LOCK, data_version, recompute
from endpoints.tasks import recompute_endpoints_task
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from safety.models import DltCandidate
from tests.integration.conftest import (
    publishing_like_production,
    start_worker,
    stop_worker,
    wait_for_snapshot_of,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def paused_worker(broker: str, queue: str, pause_dir: Path, seconds: float):
    return start_worker(broker, queue, app="tests.integration.faults_worker",
                        env={"EDC_PAUSE_DIR": str(pause_dir), "EDC_PAUSE_SECONDS": str(seconds)})


def wait_for_pauses(pause_dir: Path, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while len(list(pause_dir.iterdir())) < count:
        assert time.monotonic() < deadline, f"fewer than {count} recomputes paused in {seconds} s"
        time.sleep(0.05)


def wait_for_workers(app, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while len(app.control.ping(timeout=0.5)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} workers answer in {seconds} s"


def active_candidates() -> list[tuple[int, str]]:
    return sorted(DltCandidate.objects.values_list("adverse_event_id", "rule"))


def recompute_lock_waiters() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                       "objid = %s AND NOT granted", [RECOMPUTE_LOCK])
        return cursor.fetchone()[0]


@pytest.fixture
def queue():
    return f"edc-faults-{uuid.uuid4().hex[:8]}"


def test_a_recompute_whose_worker_is_killed_is_redelivered_and_comes_out_right(
        own_redis, settings, tmp_path, queue):
    doomed = paused_worker(own_redis.url, queue, tmp_path, seconds=120)
    try:
        with publishing_like_production(own_redis.url, queue, settings):
            # given a recompute that the import queued, paused mid-way in its worker
            bundle_import_json(demo_bundle(12, 5))
            wait_for_pauses(tmp_path, 1)

            # when the worker is killed outright
            doomed.kill()
            doomed.wait()
            assert not EndpointSnapshot.objects.exists()
            assert not DltCandidate.objects.exists()  # its transaction died with it

            # then the unacknowledged task goes to the next worker, which gets it right
            successor = start_worker(own_redis.url, queue,
                                     env={"CELERY_VISIBILITY_TIMEOUT": "1"})
            snapshot = wait_for_snapshot_of(data_version())
            candidates = active_candidates()
            in_process = recompute(snapshot.cutoff)
        stop_worker(successor)
    finally:
        doomed.kill()
    assert candidates, "the demo trial raises DLT candidates: the rules had work to do"
    assert active_candidates() == candidates
    assert (snapshot.data_version, snapshot.report, snapshot.review) == (
        in_process.data_version, in_process.report, in_process.review)


def test_the_same_recompute_delivered_twice_at_once_is_harmless(
        own_redis, settings, tmp_path, queue):
    # given a trial whose DLT candidates no recompute has raised yet, and two workers
    settings.RECOMPUTE_ON_CHANGE = False
    bundle_import_json(demo_bundle(12, 5))
    workers = [paused_worker(own_redis.url, queue, tmp_path, seconds=3) for _ in range(2)]
    with publishing_like_production(own_redis.url, queue, settings) as app:
        wait_for_workers(app, 2)

        # when one task is delivered twice, to both workers at once
        task_id = str(uuid.uuid4())
        for _ in range(2):
            recompute_endpoints_task.apply_async(task_id=task_id)
        wait_for_pauses(tmp_path, 1)
        waiting_its_turn = 0
        while not waiting_its_turn and len(list(tmp_path.iterdir())) < 2:
            waiting_its_turn = recompute_lock_waiters()
        wait_for_pauses(tmp_path, 2)
        deadline = time.monotonic() + 60
        while EndpointSnapshot.objects.count() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    outputs = [stop_worker(worker) for worker in workers]

    # then the second waited for the first, and both stored the same report
    assert waiting_its_turn == 1
    first, second = EndpointSnapshot.objects.order_by("pk")
    assert (first.data_version, first.report, first.review) == (
        second.data_version, second.report, second.review)
    candidates = active_candidates()
    assert candidates and len(candidates) == len(set(candidates))
    for output in outputs:
        assert "ERROR" not in output and "Traceback" not in output, output

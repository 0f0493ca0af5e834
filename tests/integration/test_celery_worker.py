"""A task through a real Redis broker to a real worker process (required under CI=true).

The worker is started here as a separate process on a private queue and stopped at the end; it
reads the same PostgreSQL test database, so what the test commits the worker sees.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection

from tests import factories
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker_url():
    url = os.environ.get("TEST_REDIS_URL", "")
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL shared with the worker process (make test's pass 2)")
    if not url:
        skip_or_fail("TEST_REDIS_URL is not set (make test sets it when Redis answers)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture
def worker(broker_url):
    queue = f"edc-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = {**os.environ, "DEBUG": "true", "CELERY_BROKER_URL": broker_url,
           "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "trial_edc", "worker", "--pool=solo",
         "--queues", queue, "--without-gossip", "--without-mingle", "--loglevel=warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield queue
    process.terminate()
    output, _ = process.communicate(timeout=30)
    assert process.returncode in (0, -15), output


def test_a_task_goes_through_redis_to_a_worker_that_reads_the_database(broker_url, worker):
    factories.patient("RD-001")
    factories.patient("RD-002")
    client = Celery("edc-test", broker=broker_url, backend=broker_url)

    result = client.send_task("trial_edc.worker_health", queue=worker)
    answer = result.get(timeout=60)

    assert answer["database"] == "postgresql"
    assert answer["database_name"] == connection.settings_dict["NAME"]
    assert answer["patients"] == 2

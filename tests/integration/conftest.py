"""Real services for the integration tests: the PostgreSQL test database shared with a real
Celery worker process, and a real Redis broker. They run in make test's pass 2 and are required
under CI=true (skip_or_fail)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from tests.conftest import celery_publishing_to, skip_or_fail

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


def start_worker(broker: str, queue: str) -> subprocess.Popen:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = {**os.environ, "DEBUG": "true", "CELERY_BROKER_URL": broker,
           "CELERY_TASK_DEFAULT_QUEUE": queue,
           "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "trial_edc", "worker", "--pool=solo",
         "--queues", queue, "--without-gossip", "--without-mingle", "--loglevel=warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop_worker(process: subprocess.Popen) -> str:
    process.terminate()
    output, _ = process.communicate(timeout=60)
    assert process.returncode in (0, -15), output
    return output


@pytest.fixture
def worker(broker_url):
    """A worker on a private queue; yields the queue name."""
    queue = f"edc-test-{uuid.uuid4().hex[:8]}"
    process = start_worker(broker_url, queue)
    yield queue
    stop_worker(process)


@pytest.fixture
def live_celery(broker_url, worker, settings):
    """This process publishes to the real broker (as production does), on the worker's queue,
    with the recompute-coalescing key in the same Redis."""
    # Celery's conf reads the Django settings: enter before changing them, so that it restores
    # the original values.
    with celery_publishing_to(broker_url, task_default_queue=worker):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": broker_url}}
        from django.core.cache import cache

        cache.clear()
        yield worker

"""Real services for the integration tests: the PostgreSQL test database shared with a real
Celery worker process, and a real Redis broker. They run in make test's pass 3 and are required
under CI=true (skip_or_fail)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from tests.conftest import celery_publishing_to, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker_url():
    url = os.environ.get("TEST_REDIS_URL", "")
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL shared with the worker process (make test's pass 3)")
    if not url:
        skip_or_fail("TEST_REDIS_URL is not set (make test sets it when Redis answers)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {url} does not answer: {exc}")
    return url


def shared_database_url() -> str:
    """The URL of the test database this process uses, for the processes a test starts."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(broker: str, queue: str, *, app: str = "trial_edc",
                 env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "true", "CELERY_BROKER_URL": broker,
           "CELERY_TASK_DEFAULT_QUEUE": queue, "DATABASE_URL": shared_database_url(),
           **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", app, "worker", "--pool=solo",
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


@contextmanager
def publishing_like_production(broker: str, queue: str, settings):
    """This process publishes to `broker` (as production does), on `queue`, with the
    recompute-coalescing key in the same Redis and the production cache timeouts."""
    # Celery's conf reads the Django settings: enter before changing them, so that it restores
    # the original values.
    with celery_publishing_to(broker, task_default_queue=queue) as app:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CACHES = {"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker,
            "OPTIONS": django_settings.REDIS_CACHE_OPTIONS}}
        from django.core.cache import cache

        cache.clear()
        yield app


@pytest.fixture
def live_celery(broker_url, worker, settings):
    """This process publishes to the real broker, on the worker's queue."""
    with publishing_like_production(broker_url, worker, settings):
        yield worker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own on a free port, which the test may kill and start again
    on the same port (the shared Redis is never stopped). Nothing is persisted."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=1).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def wait_until_acked(self, seconds: float = 30):
        """Until no message waits for a worker's acknowledgement (the broker's `unacked`)."""
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + seconds
        while client.hlen("unacked") and time.monotonic() < deadline:
            time.sleep(0.05)

    def hang(self):
        """The server keeps its port open but answers nothing, as a hung or swamped Redis."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def kill(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture
def own_redis():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL shared with the worker process (make test's pass 3)")
    if not shutil.which("redis-server"):
        skip_or_fail("redis-server is not installed (apt-get install redis-server)")
    server = OwnRedis()
    server.start()
    yield server
    server.kill()


def wait_for_snapshot_of(version: str, seconds: float = 60):
    """The first snapshot (today's cutoff) of `version` or later, once a worker stores it."""
    from django.utils import timezone

    from endpoints.snapshots import latest_snapshot

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        snapshot = latest_snapshot(timezone.localdate())
        if snapshot is not None and int(snapshot.data_version) >= int(version):
            return snapshot
        time.sleep(0.1)
    raise AssertionError(f"no snapshot of data version {version} within {seconds} s")

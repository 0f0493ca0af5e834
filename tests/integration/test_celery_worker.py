"""A task through a real Redis broker to a real worker process (required under CI=true).

The worker is started here as a separate process on a private queue and stopped at the end; it
reads the same PostgreSQL test database, so what the test commits the worker sees.
"""

import pytest
from celery import Celery
from django.db import connection

from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_task_goes_through_redis_to_a_worker_that_reads_the_database(broker_url, worker):
    factories.patient("RD-001")
    factories.patient("RD-002")
    # Not the current app: the project's shared tasks must keep publishing through its own.
    client = Celery("edc-test", broker=broker_url, backend=broker_url, set_as_current=False)

    result = client.send_task("trial_edc.worker_health", queue=worker)
    answer = result.get(timeout=60)

    assert answer["database"] == "postgresql"
    assert answer["database_name"] == connection.settings_dict["NAME"]
    assert answer["patients"] == 2

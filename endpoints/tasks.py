"""Background tasks of the analysis app. Each takes plain values and calls one service."""

import logging
from datetime import date

from celery import shared_task
from django.core.cache import cache

from endpoints.health import worker_health
from endpoints.snapshots import recompute

logger = logging.getLogger(__name__)
# Set while a recompute waits in the queue, so that a burst of saves queues one
# (`endpoints.freshness.schedule_recompute`); cleared by the task as it starts.
QUEUED_KEY = "edc:endpoints:recompute-queued"


@shared_task(name="trial_edc.worker_health")
def worker_health_task() -> dict:
    return worker_health()


# ignore_result: the snapshot is the result. Publishing a task whose result is kept also
# subscribes this process to the result store, which, with Redis gone, retries for 20 s inside
# the save and then gives up for good ("The Celery application must be restarted").
@shared_task(name="trial_edc.recompute_endpoints", acks_late=True, autoretry_for=(Exception,),
             retry_backoff=2, retry_backoff_max=60, max_retries=5, ignore_result=True)
def recompute_endpoints_task(cutoff: str | None = None) -> dict:
    """Idempotent: a recompute reads the data as they are and stores a new snapshot."""
    recompute_started()
    snapshot = recompute(date.fromisoformat(cutoff) if cutoff else None)
    return {"cutoff": snapshot.cutoff.isoformat(), "data_version": snapshot.data_version,
            "duration_ms": snapshot.duration_ms}


def recompute_started() -> None:
    """As the task starts: changes from now on must queue another recompute."""
    try:
        cache.delete(QUEUED_KEY)
    except Exception:
        logger.warning("cache unavailable: the next change will re-queue after the key expires")

"""Keeping the endpoint snapshot fresh as clinical data arrive.

Every write path (record_save, record_void, the casebook import) calls the kernel's
`core.audit.data_changed()` inside its transaction, which calls `recompute_after_commit` (this
app registers it, `endpoints.apps`); after the commit a recompute is scheduled. With a broker,
bursts coalesce: at most one recompute waits in the queue at a time (a cache key marks it), and
it starts a quarter of a second after the change that queued it, so the changes of that moment
ride along: 100 saves in a second give a handful of recomputes, and a save is in a snapshot
within about a second, plus the second or so the worker takes to draw the report page's plots
that it stores with the snapshot (`reporting.drawings`).
If the broker or cache is down, the clinical save still stands: the failure is logged, the
snapshot shows `stale: true`, and the next recompute (another save, a report request, or the
nightly run) catches up.
"""

import logging
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from endpoints.tasks import QUEUED_KEY, recompute_endpoints_task

logger = logging.getLogger(__name__)
QUEUED_TTL_SECONDS = 120  # if a worker dies with the task, a later change re-queues it
COALESCE_SECONDS = 0.25
UNSCHEDULED = "could not schedule an endpoint recompute; the report shows stale until the next one"


def recompute_after_commit() -> None:
    """Inside the transaction that changed clinical data: one recompute after it commits,
    however many records it wrote."""
    if not settings.RECOMPUTE_ON_CHANGE:
        return
    connection = transaction.get_connection()
    # Django's queue of on-commit callbacks: (savepoint ids, callback, robust). A callback
    # registered in a savepoint that rolls back leaves the queue with it.
    if any(entry[1] is schedule_recompute for entry in connection.run_on_commit):
        return
    transaction.on_commit(schedule_recompute, robust=True)


def schedule_recompute(cutoff: date | None = None) -> None:
    kwargs = {"cutoff": cutoff.isoformat()} if cutoff else {}
    if settings.CELERY_TASK_ALWAYS_EAGER:
        recompute_endpoints_task.delay(**kwargs)
        return
    # Broker or cache down: the data are saved; the snapshot shows stale. Each Redis call that
    # fails costs a save up to its socket timeout (settings), so none is tried after the cache
    # has failed.
    try:
        queued = cache.add(QUEUED_KEY, "1", timeout=QUEUED_TTL_SECONDS)
    except Exception:
        logger.exception(UNSCHEDULED)
        return
    if not queued:
        return
    try:
        recompute_endpoints_task.apply_async(kwargs=kwargs, countdown=COALESCE_SECONDS)
    except Exception:
        logger.exception(UNSCHEDULED)
        try:
            cache.delete(QUEUED_KEY)
        except Exception:
            logger.warning("cache unavailable too")

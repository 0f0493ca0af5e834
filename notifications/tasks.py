"""Background tasks of the notifications app: sending, the sweep and the reminders."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from notifications.outbox import deliver, sweep
from notifications.reminders import overdue_visit_reminders, sae_clock_reminders
from notifications.triggers import notify_dlt_candidates

logger = logging.getLogger(__name__)
MAX_RETRIES = 6


def retry_countdown(retries: int) -> int:
    """30 s, 1, 2, 4, 8, 16 min: a mail server's short outage is ridden out by the task, a long
    one by the sweep."""
    return min(30 * 2 ** retries, 30 * 60)


@shared_task(bind=True, name="trial_edc.send_notifications", acks_late=True,
             ignore_result=True, max_retries=MAX_RETRIES)
def send_notifications_task(self, ids: list[int]) -> None:
    """Send the outbox rows `ids`; the failed ones are retried with backoff (in a worker; run
    eagerly, the sweep retries them)."""
    failed = deliver(ids)
    if failed and not self.request.is_eager and self.request.retries < MAX_RETRIES:
        raise self.retry(args=[failed], countdown=retry_countdown(self.request.retries))


@shared_task(name="trial_edc.notifications_sweep", ignore_result=True)
def sweep_notifications_task(older_than_seconds: float = 60) -> dict:
    """Every few minutes (beat): what no task sent (the broker was down, or retries ran out),
    and any DLT candidate not yet told of."""
    with transaction.atomic():
        told = notify_dlt_candidates()
    result = sweep(older_than_seconds=older_than_seconds)
    return {**result, "dlt_candidates_told": told}


@shared_task(name="trial_edc.notification_reminders", ignore_result=True)
def reminders_task() -> dict:
    """Hourly (beat): the SAE clock and overdue visits."""
    with transaction.atomic():
        sae = sae_clock_reminders(timezone.now())
        visits = overdue_visit_reminders(timezone.localdate())
    return {"sae_clock": sae, "visits_overdue": visits}

"""Background tasks of the report pages. Each takes plain values and calls one service."""

from celery import shared_task
from django.db import OperationalError

from reporting.drawings import draw_report_pdfs


# acks_late, as the recompute: a worker lost mid-drawing leaves the message to another.
# ignore_result: the drawings kept with the snapshot are the result.
@shared_task(name="trial_edc.draw_report_pdfs", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=2, retry_backoff_max=60,
             max_retries=5, ignore_result=True)
def draw_report_pdfs_task(snapshot_id: int) -> None:
    """Idempotent: draws only the PDFs the snapshot lacks."""
    draw_report_pdfs(snapshot_id)

"""Background tasks of the project package. Each takes plain values and calls one function."""

from celery import shared_task

from .health import worker_health


@shared_task(name="trial_edc.worker_health")
def worker_health_task() -> dict:
    return worker_health()

"""The trial EDC project package: settings, URLs, the Celery app, roles and the audit base."""

from trial_edc.celery import app as celery_app

__all__ = ("celery_app",)

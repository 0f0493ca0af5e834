"""The Celery application: tasks come from each app's tasks.py, settings from CELERY_*."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial_edc.settings")

app = Celery("trial_edc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

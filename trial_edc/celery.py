"""The Celery application. Tasks are discovered in each app's tasks.py; settings are the CELERY_* ones."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial_edc.settings")

app = Celery("trial_edc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""WSGI entry point (gunicorn trial_edc.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial_edc.settings")
application = get_wsgi_application()

# The production image: the web app (gunicorn), the Celery worker and Celery beat all run it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/edc
WORKDIR /app

COPY pyproject.toml README.md ./
COPY trial_edc trial_edc
COPY patients patients
COPY dosing dosing
COPY safety safety
COPY efficacy efficacy
COPY pk pk
COPY monitoring monitoring
COPY signoff signoff
COPY templates templates
COPY static static
COPY manage.py ./
RUN pip install --no-cache-dir -e . \
 && useradd --system --home /var/lib/edc edc && mkdir -p /var/lib/edc && chown edc /var/lib/edc \
 && DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

USER edc
EXPOSE 8000
CMD ["gunicorn", "trial_edc.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

"""The outbox: a broker outage neither blocks a save nor loses its e-mail (the row waits, the
sweep sends it); a mail server that fails is retried, and each attempt recorded. Delivery here
goes to a real SMTP server the test runs (aiosmtpd)."""

import time
from datetime import UTC, datetime

import pytest

from core.audit import record_save
from notifications.models import Notification
from notifications.outbox import MAX_ATTEMPTS, deliver, sweep
from notifications.tasks import retry_countdown
from tests import factories
from tests.conftest import celery_publishing_to
from tests.integration.conftest import free_port
from tests.notifications.conftest import SAFETY_CONTACT

pytestmark = pytest.mark.django_db

AWARE = datetime(2024, 3, 25, 9, 30, tzinfo=UTC)


def enter_sae(patient, by):
    return factories.save(factories.AdverseEvent(
        patient=patient, term="Sepsis", grade=4, onset_date=AWARE.date(), serious=True,
        sae_life_threatening=True, relatedness="possible", site_aware_at=AWARE), by=by)


def test_a_broker_outage_neither_blocks_the_save_nor_loses_the_email(
        staff, infused_patient, smtp_settings, django_capture_on_commit_callbacks):
    # given a broker nobody answers at
    with celery_publishing_to(f"redis://127.0.0.1:{free_port()}/0"):
        # when an SAE is entered
        started = time.perf_counter()
        with django_capture_on_commit_callbacks(execute=True):
            adverse_event = enter_sae(infused_patient, staff["coordinator"])
        took = time.perf_counter() - started

    # then the save stood, quickly, and its e-mails wait in the outbox, unsent
    assert took < 3.0, f"the save waited {took:.1f} s for the broker"
    assert adverse_event.pk and adverse_event.history.count() == 1
    rows = Notification.objects.filter(record_id=adverse_event.pk)
    assert rows.count() == 2 and not rows.filter(sent_at__isnull=False).exists()
    assert smtp_settings.messages == []

    # when the sweep runs (the broker is back; beat calls it every five minutes)
    assert sweep(older_than_seconds=0) == {"tried": 2, "failed": 0}

    # then both arrived at the SMTP server, and the rows say when
    received = smtp_settings.wait_for(2)
    assert sorted(r for rcpts, _ in received for r in rcpts) == ["pi@site.example",
                                                                  SAFETY_CONTACT]
    assert "RD-001" in smtp_settings.to(SAFETY_CONTACT)["Subject"]
    assert not rows.filter(sent_at__isnull=True).exists()
    # and a second sweep sends nothing twice
    assert sweep(older_than_seconds=0) == {"tried": 0, "failed": 0}


def test_a_mail_server_that_refuses_is_retried_and_each_attempt_recorded(
        staff, infused_patient, settings, smtp_server, django_capture_on_commit_callbacks):
    # given the SMTP server's port is wrong (nothing listens there)
    port, received = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    with django_capture_on_commit_callbacks(execute=True):
        enter_sae(infused_patient, staff["coordinator"])
    rows = Notification.objects.order_by("pk")
    assert [(r.attempts, r.sent_at) for r in rows] == [(1, None), (1, None)]
    assert all("ConnectionRefusedError" in r.last_error for r in rows)
    # a recent failure is the task's to retry, not the sweep's
    assert sweep()["tried"] == 0

    # when the server is reachable again and the sweep runs
    settings.EMAIL_PORT = port
    assert sweep(older_than_seconds=0) == {"tried": 2, "failed": 0}
    received.wait_for(2)
    assert [(r.attempts, r.last_error) for r in rows.all()] == [(2, ""), (2, "")]


def test_a_row_that_failed_too_often_is_left_for_a_person(staff, infused_patient):
    adverse_event = enter_sae(infused_patient, staff["coordinator"])
    Notification.objects.filter(record_id=adverse_event.pk).update(attempts=MAX_ATTEMPTS)
    assert sweep(older_than_seconds=0)["tried"] == 0


def test_a_row_is_sent_once_however_often_it_is_delivered(staff, infused_patient, mailoutbox):
    enter_sae(infused_patient, staff["coordinator"])  # no commit here: nothing sent yet
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert deliver(ids) == [] and deliver(ids) == []
    assert len(mailoutbox) == 2


def test_the_retry_waits_longer_each_time_up_to_half_an_hour():
    assert [retry_countdown(n) for n in range(8)] == [30, 60, 120, 240, 480, 960, 1800, 1800]


def test_an_edit_of_an_unrelated_record_writes_no_notification(staff, infused_patient):
    infused_patient.consent_version = "v2"
    record_save(infused_patient, by=staff["coordinator"], reason="new consent version")
    assert not Notification.objects.exists()

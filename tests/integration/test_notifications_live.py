"""An SAE entry reaches a real SMTP server through a real Celery worker; a broker outage neither
blocks the save nor loses the e-mail (issue 16, point 7). The SMTP server (aiosmtpd) is the
test's own; the worker is a separate process sending through Django's SMTP backend."""

import time
import uuid
from datetime import UTC, datetime

import pytest

from notifications.models import Kind, Notification
from notifications.tasks import sweep_notifications_task
from safety.models import AdverseEvent
from tests import factories
from tests.integration.conftest import publishing_like_production, start_worker, stop_worker
from tests.notifications.conftest import SAFETY_CONTACT, with_address

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AWARE = datetime(2024, 3, 25, 9, 30, tzinfo=UTC)
MOST_SECONDS_PER_SAVE_WITHOUT_REDIS = 3.0
# What the record says that no e-mail may carry.
NARRATIVE = "Collapsed at the Riverside shopping centre; brought in by her daughter"


def mail_env(port: int) -> dict:
    return {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_TIMEOUT": "5",
            "DEFAULT_FROM_EMAIL": "edc@trial.example", "SAFETY_CONTACT_EMAIL": SAFETY_CONTACT}


@pytest.fixture
def trial(settings):
    settings.SAFETY_CONTACT_EMAIL = SAFETY_CONTACT
    settings.RECOMPUTE_ON_CHANGE = False  # this test is about e-mail, not the report
    with_address(factories.user("investigator"), "pi@site.example")
    patient = factories.patient()
    factories.lymphodepletion(patient)
    factories.infusion(patient)
    return patient


def enter_sae(patient) -> AdverseEvent:
    return factories.save(AdverseEvent(
        patient=patient, term="Sepsis", grade=4, onset_date=AWARE.date(), serious=True,
        sae_life_threatening=True, relatedness="possible", site_aware_at=AWARE,
        narrative=NARRATIVE),
        by=factories.user("coordinator"))


def assert_the_sae_arrived(received):
    messages = received.wait_for(2, seconds=60)
    assert sorted(r for rcpts, _ in messages for r in rcpts) == ["pi@site.example",
                                                                  SAFETY_CONTACT]
    for _rcpts, message in messages:
        assert message["Subject"] == ("[RD13-02-PH1] SAE entered for subject RD-001: report by "
                                      "2024-03-26 09:30 UTC")
        assert message["From"] == "edc@trial.example"
        body = message.get_content()
        assert "RD-001" in body and "within 24 hours" in body
        assert "Sepsis" not in body and "Riverside" not in body and "Test " not in body


def wait_until_sent(adverse_event, seconds: float = 30):
    rows = Notification.objects.filter(kind=Kind.SAE, record_id=adverse_event.pk)
    deadline = time.monotonic() + seconds
    while rows.filter(sent_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not rows.filter(sent_at__isnull=True).exists(), list(rows.values())


def test_an_sae_entry_reaches_a_real_smtp_server_through_a_real_worker(
        broker_url, smtp_server, trial, settings):
    port, received = smtp_server
    queue = f"edc-mail-{uuid.uuid4().hex[:8]}"
    worker = start_worker(broker_url, queue, env=mail_env(port))
    try:
        with publishing_like_production(broker_url, queue, settings):
            # when a coordinator enters an SAE (committed: the outbox row, then the task)
            adverse_event = enter_sae(trial)
            # then the worker delivers both e-mails to the SMTP server, and records it
            assert_the_sae_arrived(received)
            wait_until_sent(adverse_event)
    finally:
        stop_worker(worker)


def test_a_broker_outage_neither_blocks_nor_loses_the_sae_email(own_redis, smtp_server, trial,
                                                                settings):
    port, received = smtp_server
    queue = f"edc-mail-faults-{uuid.uuid4().hex[:8]}"
    worker = start_worker(own_redis.url, queue, env=mail_env(port))
    try:
        with publishing_like_production(own_redis.url, queue, settings):
            # given the broker is dead
            own_redis.kill()
            # when an SAE is entered
            started = time.perf_counter()
            adverse_event = enter_sae(trial)
            took = time.perf_counter() - started
            # then the save stood at once, and its e-mails wait in the outbox
            assert took < MOST_SECONDS_PER_SAVE_WITHOUT_REDIS, f"the save waited {took:.1f} s"
            assert AdverseEvent.objects.get(pk=adverse_event.pk).serious
            rows = Notification.objects.filter(kind=Kind.SAE, record_id=adverse_event.pk)
            assert rows.count() == 2 and rows.filter(sent_at__isnull=True).count() == 2
            time.sleep(1)
            assert received.messages == []

            # when the broker is back and beat's sweep reaches the worker
            own_redis.start()
            sweep_notifications_task.apply_async(kwargs={"older_than_seconds": 0})

            # then the worker delivers them, once each
            assert_the_sae_arrived(received)
            wait_until_sent(adverse_event)
            time.sleep(1)
            assert len(received.messages) == 2
    finally:
        stop_worker(worker)

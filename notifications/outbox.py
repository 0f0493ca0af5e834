"""The transactional outbox: notification rows are written in the transaction of the save that
raised them; after the commit a task is queued to send them. If the broker is down the save
still stands and the rows wait: the sweep (a beat task every few minutes) sends every row not yet
sent. A row is sent at least once; a failed attempt is counted with its error and retried."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from notifications.content import Message
from notifications.models import Notification

logger = logging.getLogger(__name__)
# After this many failed attempts a row is left for a person to look at (the admin list shows
# it with its last error); the task retries with backoff, the sweep until then.
MAX_ATTEMPTS = 10
SWEEP_BATCH = 500
BATCH = 1000
NO_ADDRESS = "not sent: the account has no e-mail address"
NO_SAFETY_CONTACT = "not sent: SAFETY_CONTACT_EMAIL is not set"


@dataclass(frozen=True)
class Recipient:
    key: str
    user: object | None
    address: str
    problem: str = ""


def users_with_role(role: str) -> list[Recipient]:
    """The active accounts holding `role`, one query."""
    users = get_user_model().objects.filter(is_active=True, groups__name=role).order_by("pk")
    return [user_recipient(user) for user in users]


def user_recipient(user) -> Recipient:
    address = (user.email or "").strip()
    return Recipient(f"user:{user.pk}", user, address, "" if address else NO_ADDRESS)


def safety_contact() -> Recipient:
    """The sponsor's safety contact (settings.SAFETY_CONTACT_EMAIL), an address without an
    account; when unset, a row records that the sponsor was not told."""
    address = settings.SAFETY_CONTACT_EMAIL
    return Recipient(f"address:{address or 'safety-contact'}", None, address,
                     "" if address else NO_SAFETY_CONTACT)


@dataclass(frozen=True)
class Event:
    """One thing to tell `recipients` of, once each (`key`: "sae:12", "query:4:v3"…)."""

    kind: str
    key: str
    recipients: list[Recipient]
    subject_id: str
    record_type: str
    record_id: int
    message: Message


def notify(event: Event) -> None:
    notify_all([event])


def notify_all(events: list[Event]) -> None:
    """Record that each recipient is told of each event (once each, however often this is
    called), and queue their sending for after the commit: two queries for any number of
    events. Call it inside the transaction of the save that raised them."""
    rows = [Notification(kind=e.kind, event_key=e.key, recipient_key=r.key, recipient=r.user,
                         address=r.address, last_error=r.problem, subject_id=e.subject_id,
                         record_type=e.record_type, record_id=e.record_id,
                         subject=e.message.subject, body=e.message.body)
            for e in events for r in e.recipients]
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    keys = list({e.key for e in events})
    ids = [pk for start in range(0, len(keys), BATCH)
           for pk in Notification.objects.unsent().filter(event_key__in=keys[start:start + BATCH])
           .values_list("pk", flat=True)]
    if ids:
        transaction.on_commit(partial(enqueue, ids), robust=True)


# How rows are queued for sending: the Celery task's `apply_async`, which the app registers
# when it is ready (`NotificationsConfig.ready`); the task module reads this one, so it cannot
# be imported from here.
_queue_sending = []


def send_through(apply_async) -> None:
    """Register the queueing of a send (the sending task's `apply_async`)."""
    _queue_sending[:] = [apply_async]


def enqueue(ids: list[int]) -> None:
    """Queue the sending of rows `ids`. Never raises: with the broker down the rows wait for
    the sweep, and the save that wrote them has already committed."""
    try:
        for apply_async in _queue_sending:
            apply_async(args=[ids])
    except Exception:
        logger.exception("could not queue %d notification(s); the sweep will send them",
                         len(ids))


def deliver(ids: list[int]) -> list[int]:
    """Send each unsent row of `ids` through Django's e-mail backend; the ids that failed.

    Each row is claimed (SELECT … FOR UPDATE SKIP LOCKED) so that the task and the sweep never
    send one row twice at once; a row already sent is skipped."""
    failed = []
    connection = get_connection()
    try:
        for pk in ids:
            with transaction.atomic():
                row = (Notification.objects.select_for_update(skip_locked=True).unsent()
                       .filter(pk=pk).first())
                if row is None:
                    continue
                row.attempts += 1
                try:
                    EmailMessage(row.subject, row.body, settings.DEFAULT_FROM_EMAIL,
                                 [row.address], connection=connection).send()
                except Exception as exc:
                    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    failed.append(pk)
                    # A broken connection is not reused for the next row.
                    connection.close()
                else:
                    row.sent_at, row.last_error = timezone.now(), ""
                row.save(update_fields=["attempts", "sent_at", "last_error"])
    finally:
        connection.close()
    if failed:
        logger.warning("%d notification(s) not sent; retried later", len(failed))
    return failed


def sweep(*, older_than_seconds: float = 60) -> dict:
    """Send the rows still unsent (their task was never queued, or gave up), oldest first, a
    batch at a time. Rows younger than `older_than_seconds` are left to their own task."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(Notification.objects.unsent()
               .filter(attempts__lt=MAX_ATTEMPTS, created_at__lte=cutoff)
               .order_by("created_at", "pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    failed = deliver(ids) if ids else []
    return {"tried": len(ids), "failed": len(failed)}

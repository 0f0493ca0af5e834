"""The outbox: one row per person told of one event, written in the transaction of the save that
raised it, then sent by a worker (notifications.outbox). The row is the record of who was told
what, and when: it is never deleted, and only its delivery fields change."""

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    SAE = "sae", "SAE entered"
    SAE_CLOCK = "sae_clock", "SAE reporting clock"
    DLT_CANDIDATE = "dlt_candidate", "DLT candidate raised by the rules"
    QUERY_RAISED = "query_raised", "Data query raised or re-opened"
    QUERY_ANSWERED = "query_answered", "Data query answered"
    VISIT_OVERDUE = "visit_overdue", "Visit overdue"


class NotificationQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(sent_at__isnull=True).exclude(address="")


class Notification(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The event told of, once per recipient: "sae:12", "query:4:v3", "visit:7:W8"…
    event_key = models.CharField(max_length=120)
    # "user:<id>" or "address:<e-mail>" (the sponsor's safety contact has no account).
    recipient_key = models.CharField(max_length=200)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="notifications")
    address = models.EmailField(
        blank=True, help_text="Empty when the recipient has no e-mail address: not sent.")
    subject_id = models.CharField("subject ID", max_length=40)
    record_type = models.CharField(max_length=60, help_text="app_label.model of the record.")
    record_id = models.PositiveBigIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event_key", "recipient_key"],
                                               name="notification_once_per_recipient")]
        indexes = [models.Index(fields=["record_type", "record_id"]),
                   models.Index(fields=["sent_at", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.subject_id} → {self.recipient_key}"

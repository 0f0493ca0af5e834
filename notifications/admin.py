from django.contrib import admin

from core.account_admin import ReadOnlyAdminMixin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who was told what, and when: read-only (the outbox writes it; a worker sends it)."""

    list_display = ("created_at", "kind", "subject_id", "recipient_key", "sent_at", "attempts",
                    "last_error")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("subject_id", "recipient_key", "event_key")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"

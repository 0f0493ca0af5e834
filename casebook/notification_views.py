"""Each user's own notifications: what the EDC e-mailed them, and when (notifications app)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from notifications.models import Notification

# The latest this many, one query whatever the trial's size; the admin keeps the whole record.
MY_NOTIFICATIONS_SHOWN = 100


@require_safe
@login_required
def my_notifications(request):
    shown = list(Notification.objects.filter(recipient=request.user)
                 .order_by("-created_at", "-pk")
                 .only("kind", "subject_id", "subject", "body", "created_at", "sent_at",
                       "attempts", "last_error")[:MY_NOTIFICATIONS_SHOWN])
    return render(request, "notifications/mine.html",
                  {"notifications": shown, "limit": MY_NOTIFICATIONS_SHOWN})

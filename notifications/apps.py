from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications: who was told what, when"

    def ready(self):
        from core.audit import on_record_saved
        from notifications.outbox import send_through
        from notifications.tasks import send_notifications_task
        from notifications.triggers import record_saved

        # Every write through record_save (forms, API, admin) is looked at for an SAE entered or
        # a data query raised, re-opened or answered (notifications.triggers).
        on_record_saved(record_saved)
        # Rows written by a save are queued for sending once it commits (notifications.outbox).
        send_through(send_notifications_task.apply_async)

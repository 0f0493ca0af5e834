from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring: data queries on CRF records"

    def ready(self):
        from core.audit import refuse_writes_with
        from monitoring.locks import refuse_if_locked

        # Locks hold for every writer, not only the browser: see monitoring.locks.
        refuse_writes_with(refuse_if_locked)

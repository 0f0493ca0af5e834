from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring: data queries on CRF records"

    def ready(self):
        from core.audit import refuse_writes_with
        from core.edit_checks import on_checked_save
        from monitoring.deviations import deviations_follow
        from monitoring.locks import refuse_if_locked
        from monitoring.services import system_queries_follow

        # Locks hold for every writer, not only the browser: see monitoring.locks.
        refuse_writes_with(refuse_if_locked)
        # Soft edit checks confirmed at entry open a system query; corrected data close it.
        on_checked_save(system_queries_follow)
        # The soft checks that are protocol deviations record one; corrected data withdraw it.
        on_checked_save(deviations_follow)

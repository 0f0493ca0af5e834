from django.apps import AppConfig


class EndpointsConfig(AppConfig):
    name = "endpoints"
    verbose_name = "Endpoints and data review"

    def ready(self):
        from core.audit import on_data_change
        from endpoints.freshness import recompute_after_commit

        # Every committed change to audited data schedules a recompute.
        on_data_change(recompute_after_commit)

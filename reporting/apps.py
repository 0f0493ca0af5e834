from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Report pages: the endpoint report with its plots, and its PDF"

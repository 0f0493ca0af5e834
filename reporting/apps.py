from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Report pages: the endpoint report with its plots, and its PDF"

    def ready(self):
        from endpoints.snapshots import keep_beside_snapshots
        from reporting.drawings import draw_beside_snapshot

        # The live recompute draws the page's plots and the PDF with each snapshot.
        keep_beside_snapshots(draw_beside_snapshot)

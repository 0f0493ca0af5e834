from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = "Safety: adverse events, CRS, ICANS, GVHD, infections, IEC-HS, DLT, LTFU"

    def ready(self):
        from safety.edit_checks import declare_checks

        declare_checks()  # core.edit_checks: applied by the forms, the API and the import

from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = "Safety: adverse events, CRS, ICANS, GVHD, infections, IEC-HS, DLT, LTFU"

    def ready(self):
        from core.audit import on_record_saved
        from safety.edit_checks import declare_checks
        from safety.iec_hs_grade import iec_hs_grade_follows

        declare_checks()  # core.edit_checks: applied by the forms, the API and the import
        on_record_saved(iec_hs_grade_follows)

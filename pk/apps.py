from django.apps import AppConfig


class PkConfig(AppConfig):
    name = "pk"
    verbose_name = "Pharmacokinetics: CAR-T expansion samples"

    def ready(self):
        from pk.edit_checks import declare_checks

        declare_checks()  # core.edit_checks: applied by the forms, the API and the import

from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "dosing"
    verbose_name = "Dosing: lymphodepletion, RD13-02 infusions, dose levels"

    def ready(self):
        from dosing.edit_checks import declare_checks

        declare_checks()  # core.edit_checks: applied by the forms, the API and the import

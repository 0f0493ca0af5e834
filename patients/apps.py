from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients: screening, consent, enrollment, follow-up"

    def ready(self):
        from patients.edit_checks import declare_checks

        declare_checks()  # core.edit_checks: applied by the forms, the API and the import

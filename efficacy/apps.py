from django.apps import AppConfig


class EfficacyConfig(AppConfig):
    name = "efficacy"
    verbose_name = "Efficacy: response, relapse, HSCT, death"

    def ready(self):
        from efficacy.edit_checks import declare_checks

        declare_checks()  # core.edit_checks: applied by the forms, the API and the import

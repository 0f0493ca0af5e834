from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = "Laboratory results: haematology, chemistry and inflammation"

    def ready(self):
        from labs.edit_checks import declare_checks

        declare_checks()  # core.edit_checks: applied by the forms, the API and the import

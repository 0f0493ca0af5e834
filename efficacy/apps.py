from django.apps import AppConfig


class EfficacyConfig(AppConfig):
    name = "efficacy"
    verbose_name = "Efficacy: response, relapse, HSCT, death"

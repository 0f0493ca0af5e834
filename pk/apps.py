from django.apps import AppConfig


class PkConfig(AppConfig):
    name = "pk"
    verbose_name = "Pharmacokinetics: CAR-T expansion samples"

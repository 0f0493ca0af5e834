from django.apps import AppConfig


class SignoffConfig(AppConfig):
    name = "signoff"
    verbose_name = "Sign-off: investigators' e-signatures on patients' casebooks"

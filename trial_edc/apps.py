from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrialEdcConfig(AppConfig):
    name = "trial_edc"
    verbose_name = "Trial"

    def ready(self):
        from . import roles

        # Groups and their permissions follow roles.py after every migrate.
        post_migrate.connect(roles.sync_role_groups, dispatch_uid="trial_edc.sync_role_groups")

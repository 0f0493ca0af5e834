from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrialEdcConfig(AppConfig):
    name = "trial_edc"
    verbose_name = "Trial"

    def ready(self):
        from . import roles
        from .audit import refuse_writes_with
        from .esignature import refuse_signature_changes

        # Groups and their permissions follow roles.py after every migrate.
        post_migrate.connect(roles.sync_role_groups, dispatch_uid="trial_edc.sync_role_groups")
        # No writer (form, admin, API, import) may alter who signed, when or with what meaning.
        refuse_writes_with(refuse_signature_changes)

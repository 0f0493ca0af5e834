from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate, pre_delete


class CoreConfig(AppConfig):
    """The kernel. Its models (the study settings, the API token events) keep the app label
    they were created under, `trial_edc`: existing databases keep their tables, migrations and
    permission names (`trial_edc.view_crf`) as they are."""

    name = "core"
    label = "trial_edc"
    verbose_name = "Trial"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core import accounts, roles, sessions
        from core.audit import refuse_writes_with
        from core.esignature import refuse_signature_changes

        # Groups and their permissions follow roles.py after every migrate.
        post_migrate.connect(roles.sync_role_groups, dispatch_uid="trial_edc.sync_role_groups")
        # No writer (form, admin, API, import) may alter who signed, when or with what meaning.
        refuse_writes_with(refuse_signature_changes)
        # Accounts are deactivated, never deleted: the audit trail keeps every entry's author.
        # Signing in saves the session: its idle clock starts there (core.sessions).
        user_logged_in.connect(sessions.clock_starts_at_sign_in,
                               dispatch_uid="trial_edc.session_clock_at_sign_in")
        pre_delete.connect(accounts.refuse_account_deletion, sender=settings.AUTH_USER_MODEL,
                           dispatch_uid="trial_edc.refuse_account_deletion")

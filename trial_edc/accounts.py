"""User accounts in one role each (contract §6).

An account is deactivated, never deleted: the audit trail names every entry's author, and a
deleted account would leave its entries without one. The `system` account, to which the import
and the recompute's changes are attributed, is the EDC's own: nobody signs in with it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from rest_framework.authtoken.models import Token

from .roles import ROLES, STAFF_ROLES


class AccountError(ValueError):
    """An account change refused, with a message naming the account or role and the rule."""


class UnknownRoleError(AccountError):
    pass


class SystemAccountError(AccountError):
    pass


class AccountDeletionError(Exception):
    """Raised on any attempt to delete a user account; deactivate it instead."""


def refuse_system_account(username: str) -> None:
    if username == settings.SYSTEM_USERNAME:
        raise SystemAccountError(
            f"{username!r} is the EDC's own account for automated changes (imports, "
            "recomputes): it holds no role and nobody signs in with it")


@transaction.atomic
def user_set_role(*, username: str, role: str, password: str | None = None,
                  full_name: str = "") -> tuple[object, bool]:
    """Create or update `username` to hold exactly `role`. Returns (user, created)."""
    if role not in ROLES:
        raise UnknownRoleError(f"role {role!r} is not one of {', '.join(ROLES)}")
    refuse_system_account(username)
    user, created = get_user_model().objects.get_or_create(username=username)
    if full_name:
        user.first_name, _, user.last_name = full_name.partition(" ")
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_active = True
    user.save()
    user_assign_role(user=user, role=role)
    return user, created


def user_assign_role(*, user, role: str) -> None:
    """Make a saved `user` hold exactly `role`: its group, and the admin site for staff roles."""
    user.is_staff = role in STAFF_ROLES
    user.save(update_fields=["is_staff"])
    user.groups.set([Group.objects.get(name=role)])


def refuse_account_deletion(sender, instance, **kwargs):
    """pre_delete receiver for the user model: every ORM deletion, one by one or in bulk,
    passes here before anything is deleted (simple-history would otherwise null the author of
    the account's history rows)."""
    raise AccountDeletionError(
        f"User accounts are never deleted: deactivate {instance.get_username()} instead, so "
        "that every entry in the audit trail keeps its author.")


def user_api_token(user) -> str:
    """The user's API token, created on first request."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key

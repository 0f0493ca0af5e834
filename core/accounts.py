"""User accounts in one role each (docs/spec/contract.md §6), and their API tokens.

An account is deactivated, never deleted: the audit trail names every entry's author, and a
deleted account would leave its entries without one. The `system` account, to which the import
and the recompute's changes are attributed, is the EDC's own: nobody signs in with it.

An API token is issued, rotated (a new key; the old one stops working at once) and revoked with
a reason, each change kept as an `ApiTokenEvent` (whose, what, who, when, why; never the key).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from core.audit import system_user
from core.models import ApiTokenAction, ApiTokenEvent
from core.roles import ROLES, STAFF_ROLES

logger = logging.getLogger(__name__)


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


def user_api_token(user, *, by=None, reason: str = "issued by create_user --token") -> str:
    """The user's API token; issued (and audited, as `by`, default the system user) on first
    request."""
    token = Token.objects.filter(user=user).first()
    if token is not None:
        return token.key
    return _token_issue(user=user, by=by or system_user(), reason=reason, replacing=False)


@transaction.atomic
def api_token_rotate(*, user, by, reason: str) -> str:
    """Replace `user`'s API token with a new key (the old one stops working at once); issue one
    if they have none. Returns the new key, which is kept nowhere else in the clear."""
    reason = _token_change_reason(reason)
    _refuse_token_for(user)
    replacing = bool(Token.objects.filter(user=user).delete()[0])
    return _token_issue(user=user, by=by, reason=reason, replacing=replacing)


@transaction.atomic
def api_token_revoke(*, user, by, reason: str) -> None:
    """Delete `user`'s API token: calls with it are refused from now on (401)."""
    reason = _token_change_reason(reason)
    if not Token.objects.filter(user=user).delete()[0]:
        raise ValidationError(
            {"token": f"{user.get_username()} has no API token: there is nothing to revoke."},
            code="no_token")
    _token_change_record(user=user, action=ApiTokenAction.REVOKED, by=by, reason=reason)


def _token_issue(*, user, by, reason: str, replacing: bool) -> str:
    token = Token.objects.create(user=user)
    _token_change_record(user=user, by=by, reason=reason,
                         action=ApiTokenAction.ROTATED if replacing else ApiTokenAction.ISSUED)
    return token.key


def _token_change_record(*, user, action: str, by, reason: str) -> None:
    ApiTokenEvent.objects.create(user=user, action=action, by=by, reason=reason)
    # Who, whose and what; never the key.
    logger.info("API token of %s %s by %s", user.get_username(), action, by.get_username())


def _token_change_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": "A reason is required to rotate or revoke an API "
                                         "token; it is kept in the audit trail."},
                              code="reason_required")
    return reason.strip()


def _refuse_token_for(user) -> None:
    if user.get_username() == settings.SYSTEM_USERNAME:
        raise ValidationError({"user": f"{user.get_username()!r} is the EDC's own account: it "
                                       "has no API token."}, code="system_account")
    if not user.is_active:
        raise ValidationError({"user": f"{user.get_username()} is deactivated: reactivate the "
                                       "account before giving it an API token."},
                              code="inactive")

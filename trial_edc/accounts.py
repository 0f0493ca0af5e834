"""User accounts in one role each (docs/spec/contract.md §6)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from rest_framework.authtoken.models import Token

from .roles import ROLES, STAFF_ROLES


class UnknownRoleError(ValueError):
    pass


@transaction.atomic
def user_set_role(*, username: str, role: str, password: str | None = None,
                  full_name: str = "") -> tuple[object, bool]:
    """Create or update `username` to hold exactly `role`. Returns (user, created)."""
    if role not in ROLES:
        raise UnknownRoleError(f"role {role!r} is not one of {', '.join(ROLES)}")
    user, created = get_user_model().objects.get_or_create(username=username)
    if full_name:
        user.first_name, _, user.last_name = full_name.partition(" ")
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_active = True
    user.is_staff = role in STAFF_ROLES
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user, created


def user_api_token(user) -> str:
    """The user's API token, created on first request."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key

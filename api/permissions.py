"""Who may call what: Django permissions of the roles (core.roles), read per method."""

from rest_framework.permissions import BasePermission

from core.roles import VIEW_CRF, role_of


class HasPermissionFor(BasePermission):
    """Per-method Django permissions: `required_permissions = {"GET": perm, "POST": perm}`."""

    def has_permission(self, request, view):
        if getattr(view, request.method.lower(), None) is None:
            return True  # a method the view does not have: DRF answers 405
        by_method = view.required_permissions
        if request.method == "OPTIONS":  # "what may I do here?", for anyone who may do something
            needed = set(by_method.values())
        else:
            needed = {by_method.get("GET" if request.method == "HEAD" else request.method)}
        if any(perm and request.user.has_perm(perm) for perm in needed):
            return True
        role = role_of(request.user) or "no role"
        self.message = f"This account's role ({role}) may not {request.method} {request.path}."
        return False


def sees_free_text(user) -> bool:
    """Whether listings may show free text and staff names to `user`.

    Only roles that may open the CRFs themselves (docs/spec/contract.md §6) see what the CRFs hold
    as typed; a sponsor gets the de-identified shape: coded values, numbers and dates.
    """
    return user.has_perm(VIEW_CRF)

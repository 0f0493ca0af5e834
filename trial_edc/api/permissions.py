"""Who may call what: Django permissions of the roles (trial_edc.roles), read per method."""

from rest_framework.permissions import BasePermission

from trial_edc.roles import VIEW_CRF, role_of


class HasPermissionFor(BasePermission):
    """Per-method Django permissions: `required_permissions = {"GET": perm, "POST": perm}`."""

    def has_permission(self, request, view):
        if getattr(view, request.method.lower(), None) is None:
            return True  # a method the view does not have: DRF answers 405
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        needed = view.required_permissions.get(method)
        if needed is not None and request.user.has_perm(needed):
            return True
        role = role_of(request.user) or "no role"
        self.message = f"This account's role ({role}) may not {request.method} {request.path}."
        return False


def sees_free_text(user) -> bool:
    """Whether listings may show free text and staff names to `user`.

    Only roles that may open the CRFs themselves (contract §6) see what the CRFs hold as typed;
    a sponsor gets the de-identified shape: coded values, numbers and dates.
    """
    return user.has_perm(VIEW_CRF)

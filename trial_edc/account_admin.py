"""The admin's pages for user accounts and role groups.

An admin manages people's accounts: names, e-mail, password, one role, active or not. What would
let an account raise itself above its role is not on these pages: superuser status (made only by
`createsuperuser` on the server), staff status (it follows the role), permissions of one's own,
several roles at once, and the roles' permissions (they come from `roles.py` and every migrate
re-applies them). Accounts are deactivated, never deleted. A superuser's account is changed only
by a superuser, and the EDC's own `system` account by nobody.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from .accounts import user_assign_role
from .roles import ROLES, role_of

ROLE_CHOICES = [(role, role) for role in ROLES]
ROLE_HELP = ("Each account holds exactly one role; its permissions are the role's "
             "(trial_edc/roles.py).")


class AccountChangeForm(auth_forms.UserChangeForm):
    role = forms.ChoiceField(choices=ROLE_CHOICES, help_text=ROLE_HELP)

    class Meta(auth_forms.UserChangeForm.Meta):
        fields = ("username", "password", "first_name", "last_name", "email", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].initial = role_of(self.instance)


class AccountCreationForm(auth_forms.AdminUserCreationForm):
    role = forms.ChoiceField(choices=ROLE_CHOICES, help_text=ROLE_HELP)

    class Meta(auth_forms.AdminUserCreationForm.Meta):
        fields = ("username", "first_name", "last_name", "email")

    def clean_username(self):
        username = super().clean_username()
        if username == settings.SYSTEM_USERNAME:
            raise forms.ValidationError(
                f"{username!r} is the EDC's own account for automated changes.")
        return username


def may_change_account(viewer, account) -> bool:
    if account.get_username() == settings.SYSTEM_USERNAME:
        return False
    return viewer.is_superuser or not account.is_superuser


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AccountAdmin(UserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Role and access", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": (
            "username", "first_name", "last_name", "email", "role", "usable_password",
            "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("is_active", "groups")
    filter_horizontal = ()
    actions = None

    @admin.display(description="role")
    def role(self, account):
        return role_of(account) or "none"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only, the password field would show the stored hash itself.
            fieldsets = [(name, {**options, "fields": tuple(
                f for f in options["fields"] if f != "password")})
                for name, options in fieldsets]
        return fieldsets

    def has_change_permission(self, request, obj=None):
        if obj is not None and not may_change_account(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit trail keeps every entry's author

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        user_assign_role(user=obj, role=form.cleaned_data["role"])


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """The role groups, read-only: `roles.py` defines them and every migrate re-applies it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

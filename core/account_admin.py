"""The admin's pages for user accounts, their API tokens and the role groups.

An admin manages people's accounts: names, e-mail, password, one role, active or not, and the
API token (rotated or revoked with a reason, on the account's "API token" page). What would let
an account raise itself above its role is not on these pages: superuser status (made only by
`createsuperuser` on the server), staff status (it follows the role), permissions of one's own,
several roles at once, and the roles' permissions (they come from `roles.py` and every migrate
re-applies them). Accounts are deactivated, never deleted; deactivating one revokes its token.
A superuser's account is changed only by a superuser, and the EDC's own `system` account by
nobody. DRF's own token pages are removed: they showed the keys and changed them unaudited.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from rest_framework.authtoken.models import Token, TokenProxy

from core.accounts import api_token_revoke, api_token_rotate, user_assign_role
from core.models import ApiTokenEvent
from core.roles import ROLES, role_of

ROLE_CHOICES = [(role, role) for role in ROLES]
ROLE_HELP = ("Each account holds exactly one role; its permissions are the role's "
             "(core/roles.py).")


class AccountChangeForm(auth_forms.UserChangeForm):
    role = forms.ChoiceField(choices=ROLE_CHOICES, help_text=ROLE_HELP)

    class Meta(auth_forms.UserChangeForm.Meta):
        fields = ("username", "password", "first_name", "last_name", "email", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "role" in self.fields:  # read-only on one's own page
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


class ApiTokenForm(forms.Form):
    action = forms.ChoiceField(choices=[("rotate", "Rotate"), ("revoke", "Revoke")],
                               widget=forms.HiddenInput)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Why; kept in the audit trail of the token.")


class ReadOnlyAdminMixin:
    """Pages that show rows and change none: nobody adds, changes or deletes one here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def may_change_account(viewer, account) -> bool:
    if account.get_username() == settings.SYSTEM_USERNAME:
        return False
    return viewer.is_superuser or not account.is_superuser


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.unregister(TokenProxy)


@admin.register(User)
class AccountAdmin(UserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Role and access", {"fields": ("role", "is_active", "api_token")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": (
            "username", "first_name", "last_name", "email", "role", "usable_password",
            "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined", "api_token")
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("is_active", "groups")
    filter_horizontal = ()
    actions = None

    @admin.display(description="role")
    def role(self, account):
        return role_of(account) or "none"

    @admin.display(description="API token")
    def api_token(self, account):
        token = Token.objects.filter(user=account).first()
        status = f"issued {token.created:%Y-%m-%d %H:%M}" if token else "none"
        url = reverse("admin:auth_user_api_token", args=[account.pk])
        return format_html('{} · <a href="{}">rotate or revoke, and its history</a>', status, url)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_urls(self):
        return [path("<id>/api-token/", self.admin_site.admin_view(self.api_token_view),
                     name="auth_user_api_token"), *super().get_urls()]

    def api_token_view(self, request, id):
        """The account's API token: its state and its changes for whoever may view the account;
        rotating or revoking it for whoever may change the account."""
        account = self.get_object(request, unquote(id))
        if account is None:
            raise Http404(f"No user with id {id}.")
        if not self.has_view_permission(request, account):
            raise PermissionDenied(f"You may not view the API token of {account}.")
        may_change = self.has_change_permission(request, account)
        if request.method == "POST" and not may_change:
            raise PermissionDenied(f"You may not change the API token of {account}.")
        form = ApiTokenForm(request.POST or None) if may_change else None
        new_key = None
        if request.method == "POST" and form.is_valid():
            try:
                new_key = self._api_token_change(request, account, **form.cleaned_data)
            except ValidationError as refused:
                form.add_error(None, refused.messages)
            else:
                if new_key is None:
                    messages.success(request, f"The API token of {account} was revoked.")
                    return HttpResponseRedirect(request.path)
        # The new key is shown in this one answer (admin pages are never cached) and kept
        # nowhere in the clear: not in a message, the session, the audit trail or the logs.
        return TemplateResponse(request, "admin/auth/user/api_token.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "account": account,
            "title": f"API token of {account}", "form": form, "new_key": new_key,
            "token": Token.objects.filter(user=account).first(),
            "changes": account.api_token_events.select_related("by")})

    def _api_token_change(self, request, account, *, action, reason):
        if action == "rotate":
            return api_token_rotate(user=account, by=request.user, reason=reason)
        api_token_revoke(user=account, by=request.user, reason=reason)
        return None

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and obj.pk == request.user.pk:
            # One's own role and access are changed by another admin: no one promotes
            # themselves to another role (an investigator's e-signature) or locks themselves out.
            readonly = (*readonly, "role", "is_active")
        return readonly

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
        if "role" in form.cleaned_data:  # not on one's own page
            user_assign_role(user=obj, role=form.cleaned_data["role"])
        if change and "is_active" in form.changed_data and not obj.is_active \
                and Token.objects.filter(user=obj).exists():
            # Reactivating the account later must not bring the old key back to life.
            api_token_revoke(user=obj, by=request.user, reason="account deactivated")


@admin.register(Group)
class RoleGroupAdmin(ReadOnlyAdminMixin, GroupAdmin):
    """The role groups, read-only: `roles.py` defines them and every migrate re-applies it."""


@admin.register(ApiTokenEvent)
class ApiTokenEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every change to an API token, for admins to read: it is an audit trail."""

    list_display = ("at", "user", "action", "by", "reason")
    list_filter = ("action",)
    list_select_related = ("user", "by")
    search_fields = ("user__username", "by__username")

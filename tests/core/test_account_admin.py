"""The admin's user and role pages: an admin manages accounts in one role each, and cannot raise
any account (its own included) above its role, edit the roles' permissions, or delete anyone."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import NoReverseMatch, reverse
from rest_framework.authtoken.models import Token

from core import roles
from core.accounts import user_api_token
from core.audit import system_user
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()


def change_url(user):
    return reverse("admin:auth_user_change", args=[user.pk])


def account_form(user, **changes) -> dict:
    """The account's page as posted; with the dates Django's own user form would need, so that
    a POST it would have accepted is what these pages are tested with."""
    data = {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email, "is_active": "on",
            "role": roles.role_of(user), "date_joined_0": f"{user.date_joined:%Y-%m-%d}",
            "date_joined_1": f"{user.date_joined:%H:%M:%S}"}
    data.update(changes)
    return data


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.requirement("CON-ROLE-05")
def test_an_admin_changes_an_accounts_role_to_exactly_one(admin_client, coordinator):
    response = admin_client.post(change_url(coordinator), account_form(coordinator,
                                                                       role="monitor"))
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert [g.name for g in coordinator.groups.all()] == ["monitor"]
    assert coordinator.is_staff  # monitors read the admin's pages


def test_a_hand_built_post_cannot_make_a_superuser_staff_or_extra_permissions(
        admin_client, admin_user, coordinator):
    # given: everything Django's own user form would take
    escalation = {"is_superuser": "on", "is_staff": "on",
                  "user_permissions": [Permission.objects.get(codename="delete_user").pk],
                  "groups": list(Group.objects.values_list("pk", flat=True))}
    # when: the admin posts it for an account, and for its own
    for account in (coordinator, admin_user):
        admin_client.post(change_url(account), account_form(account, **escalation))
    # then
    for account in (coordinator, admin_user):
        account.refresh_from_db()
        assert not account.is_superuser and not account.user_permissions.exists()
        assert account.groups.count() == 1
    assert not coordinator.is_staff
    assert not admin_user.has_perm("auth.delete_user")


def test_an_admin_changes_neither_its_own_role_nor_its_own_access(admin_client, admin_user):
    response = admin_client.post(change_url(admin_user), account_form(
        admin_user, role="investigator", is_active="", first_name="Alex"))
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.first_name == "Alex"  # the rest of one's own account is one's to edit
    assert admin_user.is_active and [g.name for g in admin_user.groups.all()] == ["admin"]
    assert not admin_user.has_perm(roles.ADJUDICATE_DLT)
    assert 'name="role"' not in admin_client.get(change_url(admin_user)).content.decode()


def test_a_role_is_required(admin_client, coordinator):
    response = admin_client.post(change_url(coordinator), account_form(coordinator, role=""))
    assert "This field is required" in response.content.decode()
    assert [g.name for g in coordinator.groups.all()] == ["coordinator"]


def test_the_form_offers_no_superuser_staff_group_or_permission_field(admin_client,
                                                                      coordinator):
    page = admin_client.get(change_url(coordinator)).content.decode()
    assert 'name="role"' in page
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' not in page


@pytest.mark.requirement("CON-ROLE-05")
def test_an_admin_adds_an_account_in_one_role(admin_client):
    response = admin_client.post(reverse("admin:auth_user_add"), {
        "username": "ana", "first_name": "Ana", "last_name": "Silva", "email": "",
        "role": "coordinator", "usable_password": "true",
        "password1": "a-long-new-passphrase", "password2": "a-long-new-passphrase",
        "is_superuser": "on"})
    assert response.status_code == 302
    ana = User.objects.get(username="ana")
    assert [g.name for g in ana.groups.all()] == ["coordinator"]
    assert not (ana.is_superuser or ana.is_staff)


def test_nobody_adds_an_account_named_as_the_system_account(admin_client):
    response = admin_client.post(reverse("admin:auth_user_add"), {
        "username": "system", "role": "admin", "usable_password": "false"})
    assert "the EDC&#x27;s own account" in response.content.decode()
    assert not User.objects.filter(username="system").exists()


def test_an_admin_cannot_change_a_superuser_nor_its_password(admin_client):
    root = User.objects.create_superuser("root", password="a-long-root-passphrase")
    assert admin_client.post(change_url(root), account_form(
        root, role="coordinator", is_active="")).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    assert admin_client.post(password_url, {"password1": "taken-over-by-admin",
                                            "password2": "taken-over-by-admin"}
                             ).status_code == 403
    root.refresh_from_db()
    assert root.is_active and root.check_password("a-long-root-passphrase")
    page = admin_client.get(change_url(root)).content.decode()
    assert root.password not in page  # read-only, the hash is not shown


def test_nobody_changes_the_system_account(client):
    system = system_user()
    root = User.objects.create_superuser("root", password="a-long-root-passphrase")
    client.force_login(root)
    response = client.post(change_url(system), account_form(system, role="admin",
                                                             is_active="on"))
    assert response.status_code == 403
    system.refresh_from_db()
    assert not system.is_active and not system.groups.exists()


def test_accounts_are_never_deleted_in_the_admin(admin_client, coordinator):
    delete_url = reverse("admin:auth_user_delete", args=[coordinator.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert 'name="action"' not in changelist
    assert User.objects.filter(pk=coordinator.pk).exists()


def test_the_role_groups_permissions_are_read_only(admin_client):
    group = Group.objects.get(name="sponsor")
    everything = list(Permission.objects.values_list("pk", flat=True))
    url = reverse("admin:auth_group_change", args=[group.pk])
    assert admin_client.post(url, {"name": "sponsor", "permissions": everything}
                             ).status_code == 403
    assert admin_client.get(url).status_code == 200
    held = {f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")}
    assert held == roles.role_permissions()["sponsor"]


def test_even_a_superuser_edits_no_role_group(client):
    client.force_login(User.objects.create_superuser("root", password="a-long-passphrase"))
    group = Group.objects.get(name="monitor")
    url = reverse("admin:auth_group_change", args=[group.pk])
    assert client.post(url, {"name": "monitor", "permissions": []}).status_code == 403
    assert group.permissions.exists()
    assert client.post(reverse("admin:auth_group_add"), {"name": "extra"}).status_code == 403


def test_a_monitor_has_no_account_pages(client, monitor):
    client.force_login(monitor)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(change_url(factories.user("coordinator"))).status_code == 403


def token_url(user):
    return reverse("admin:auth_user_api_token", args=[user.pk])


@pytest.fixture
def lab(db):
    user = factories.user("sponsor", username="central-lab")
    return user, user_api_token(user)


def test_the_account_page_links_to_its_token_page(admin_client, lab):
    user, _key = lab
    page = admin_client.get(change_url(user)).content.decode()
    assert f'href="{token_url(user)}"' in page and "issued" in page


def test_an_admin_rotates_a_token_and_sees_the_new_key_once(admin_client, lab):
    user, old_key = lab
    response = admin_client.post(token_url(user), {"action": "rotate",
                                                   "reason": "key seen in a ticket"})
    new_key = Token.objects.get(user=user).key
    assert response.status_code == 200 and new_key != old_key
    assert new_key in response.content.decode() and "no-store" in response["Cache-Control"]
    assert new_key not in admin_client.get(token_url(user)).content.decode()
    latest = user.api_token_events.first()
    assert (latest.action, latest.by.username, latest.reason) == (
        "rotated", "test-admin", "key seen in a ticket")


def test_an_admin_revokes_a_token_with_a_reason(admin_client, lab):
    user, _key = lab
    response = admin_client.post(token_url(user), {"action": "revoke",
                                                   "reason": "lab contract ended"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=user).exists()
    page = admin_client.get(token_url(user)).content.decode()
    assert "holds no API token" in page and "lab contract ended" in page


def test_a_token_change_without_a_reason_is_refused_on_the_page(admin_client, lab):
    user, key = lab
    response = admin_client.post(token_url(user), {"action": "rotate", "reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert Token.objects.get(user=user).key == key


def test_an_unknown_token_action_is_refused_on_the_page(admin_client, lab):
    user, key = lab
    response = admin_client.post(token_url(user), {"action": "reveal", "reason": "curious"})
    assert "action: Select a valid choice" in response.content.decode()
    assert Token.objects.get(user=user).key == key and user.api_token_events.count() == 1


def test_a_monitor_may_not_open_a_token_page(client, monitor, lab):
    user, key = lab
    client.force_login(monitor)
    assert client.get(token_url(user)).status_code == 403
    assert client.post(token_url(user), {"action": "revoke", "reason": "x"}).status_code == 403
    assert Token.objects.get(user=user).key == key


def test_an_admin_may_not_touch_a_superusers_token(admin_client):
    root = User.objects.create_superuser("root", password="a-long-root-passphrase")
    key = user_api_token(root)
    response = admin_client.post(token_url(root), {"action": "rotate", "reason": "mine now"})
    assert response.status_code == 403
    assert "You may not change the API token of root" in response.content.decode()
    assert Token.objects.get(user=root).key == key


def test_an_admin_reads_a_superusers_token_page_without_its_form(admin_client):
    # given an account the admin may view but not change
    root = User.objects.create_superuser("root", password="a-long-root-passphrase")
    user_api_token(root)
    # when
    response = admin_client.get(token_url(root))
    # then the state and changes show, and no form offers to rotate or revoke
    page = response.content.decode()
    assert response.status_code == 200 and "root holds an API token" in page
    assert 'name="action"' not in page and "Only an administrator who may change" in page


def test_deactivating_an_account_revokes_its_token_for_good(admin_client, lab):
    user, key = lab
    admin_client.post(change_url(user), account_form(user, is_active=""))
    admin_client.post(change_url(user), account_form(user, is_active="on"))
    user.refresh_from_db()
    assert user.is_active and not Token.objects.filter(user=user).exists()
    latest = user.api_token_events.first()
    assert (latest.action, latest.reason) == ("revoked", "account deactivated")


def test_drfs_own_token_pages_are_gone(admin_client):
    with pytest.raises(NoReverseMatch):
        reverse("admin:authtoken_tokenproxy_changelist")


def test_admins_read_the_token_changes_but_change_none(admin_client, lab):
    user, _key = lab
    event = user.api_token_events.get()
    listing = admin_client.get(reverse("admin:trial_edc_apitokenevent_changelist"))
    assert listing.status_code == 200 and "central-lab" in listing.content.decode()
    url = reverse("admin:trial_edc_apitokenevent_change", args=[event.pk])
    assert admin_client.post(url, {"reason": "rewritten"}).status_code == 403
    event.refresh_from_db()
    assert event.reason == "issued by create_user --token"

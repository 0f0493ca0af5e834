"""API tokens are issued, rotated and revoked with a reason, each change audited (whose, what,
who, when, why; never the key); a rotated, revoked or deactivated account's key stops working."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.accounts import api_token_revoke, api_token_rotate, user_api_token
from core.audit import system_user
from core.models import ApiTokenEvent, AppendOnlyError
from tests import factories

pytestmark = pytest.mark.django_db
LISTING = "/api/v1/patients/"


def calls_with(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(LISTING).status_code


def events_of(user) -> list[tuple]:
    return [(e.action, e.by.username, e.reason) for e in user.api_token_events.order_by("id")]


@pytest.fixture
def lab(db):
    """A lab integration's account with its token."""
    user = factories.user("sponsor", username="central-lab")
    return user, user_api_token(user)


def test_issuing_a_token_is_audited_once(lab):
    user, key = lab
    assert user_api_token(user) == key
    assert events_of(user) == [("issued", "system", "issued by create_user --token")]


def test_a_rotated_tokens_old_key_stops_working_at_once(lab, admin_user, caplog):
    # given
    user, old_key = lab
    assert calls_with(old_key) == 200
    # when
    with caplog.at_level(logging.DEBUG):
        new_key = api_token_rotate(user=user, by=admin_user, reason="key seen in a ticket")
    # then
    assert new_key != old_key
    assert (calls_with(old_key), calls_with(new_key)) == (401, 200)
    assert events_of(user)[-1] == ("rotated", "test-admin", "key seen in a ticket")
    assert "central-lab" in caplog.text
    assert old_key not in caplog.text and new_key not in caplog.text


def test_no_key_is_kept_in_the_audit_trail(lab, admin_user):
    user, old_key = lab
    new_key = api_token_rotate(user=user, by=admin_user, reason="yearly rotation")
    api_token_revoke(user=user, by=admin_user, reason="lab contract ended")
    stored = " ".join(str(value) for row in ApiTokenEvent.objects.values() for value in
                      row.values())
    assert old_key not in stored and new_key not in stored


def test_a_revoked_token_is_refused_with_the_api_error_body(lab, admin_user):
    user, key = lab
    api_token_revoke(user=user, by=admin_user, reason="lab contract ended")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(LISTING)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "problems": []}
    assert events_of(user)[-1] == ("revoked", "test-admin", "lab contract ended")


def test_a_change_without_a_reason_is_refused_and_changes_nothing(lab, admin_user):
    user, key = lab
    for change in (api_token_rotate, api_token_revoke):
        with pytest.raises(ValidationError) as refused:
            change(user=user, by=admin_user, reason="  ")
        assert "reason" in refused.value.message_dict
    assert Token.objects.get(user=user).key == key
    assert len(events_of(user)) == 1


def test_revoking_a_token_that_does_not_exist_is_refused(admin_user):
    nobody = factories.user("monitor")
    with pytest.raises(ValidationError, match="has no API token"):
        api_token_revoke(user=nobody, by=admin_user, reason="tidy up")
    assert not ApiTokenEvent.objects.exists()


def test_a_deactivated_accounts_token_stops_working_and_gets_no_new_one(lab, admin_user):
    user, key = lab
    user.is_active = False
    user.save()
    assert calls_with(key) == 401  # DRF refuses an inactive user's token
    with pytest.raises(ValidationError, match="central-lab is deactivated"):
        api_token_rotate(user=user, by=admin_user, reason="new key")
    assert Token.objects.get(user=user).key == key


def test_token_changes_are_never_edited_or_deleted(lab):
    user, _key = lab
    event = user.api_token_events.get()
    event.reason = "something else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        ApiTokenEvent.objects.update(reason="x")
    with pytest.raises(AppendOnlyError):
        ApiTokenEvent.objects.all().delete()
    assert ApiTokenEvent.objects.get().reason == "issued by create_user --token"


def test_the_command_rotates_and_prints_the_new_key_last(lab, capsys):
    user, old_key = lab
    call_command("api_token", "central-lab", "--rotate", "--reason", "yearly rotation")
    new_key = capsys.readouterr().out.strip().splitlines()[-1]
    assert Token.objects.get(user=user).key == new_key != old_key
    assert events_of(user)[-1] == ("rotated", "system", "yearly rotation")


def test_the_command_revokes(lab):
    user, key = lab
    call_command("api_token", "central-lab", "--revoke", "--reason", "lab contract ended")
    assert calls_with(key) == 401
    assert events_of(user)[-1] == ("revoked", "system", "lab contract ended")


@pytest.mark.parametrize(("args", "message"), [
    (["central-lab", "--revoke"], "reason: A reason is required"),
    (["nobody", "--rotate", "--reason", "x"], "username: no user 'nobody'"),
    (["system", "--rotate", "--reason", "x"], "user: 'system' is the EDC's own account"),
])
def test_the_command_refuses_naming_the_argument_and_changes_nothing(lab, args, message):
    user, key = lab
    system_user()
    with pytest.raises(CommandError, match=message):
        call_command("api_token", *args)
    assert Token.objects.get(user=user).key == key and len(events_of(user)) == 1

"""Sign-in: lockout after repeated wrong passwords (django-axes, per username and address),
reset by an admin; sessions that end when idle and at browser close; strong passwords."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.sessions import RENEWED_AT
from tests import factories
from tests.test_settings import PRODUCTION, settings_seen

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def ana(db):
    return factories.user("coordinator", username="ana", password=PASSWORD)


def sign_in(client, password, username="ana", address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def fail(client, times, username="ana", address="10.0.0.1"):
    return [sign_in(client, "wrong-password", username, address).status_code
            for _ in range(times)]


def test_the_right_password_is_refused_once_the_failure_limit_is_reached(client, ana, settings):
    # given the configured limit of wrong passwords for ana from one address
    settings.AXES_FAILURE_LIMIT = 3
    assert fail(client, 3) == [200, 200, 429]
    # when ana then types the right password
    response = sign_in(client, PASSWORD)
    # then sign-in is refused with a message saying why and what to do
    assert response.status_code == 429
    page = response.content.decode()
    assert "after 3 failed attempts" in page and "“ana”" in page
    assert "administrator" in page
    assert "_auth_user_id" not in client.session


def test_below_the_limit_the_right_password_signs_in_and_resets_the_count(client, ana, settings):
    settings.AXES_FAILURE_LIMIT = 3
    fail(client, 2)
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    fail(client, 2)
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_lockout_is_per_username_and_address(client, ana, settings):
    settings.AXES_FAILURE_LIMIT = 2
    factories.user("monitor", username="ben", password=PASSWORD)
    fail(client, 2, username="ana", address="10.0.0.1")
    # another user at the same computer, and ana at another computer, still sign in
    assert sign_in(client, PASSWORD, username="ben", address="10.0.0.1").status_code == 302
    client.logout()
    assert sign_in(client, PASSWORD, username="ana", address="10.0.0.2").status_code == 302


def test_the_lockout_ends_after_the_cool_off_time(client, ana, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail(client, 2)
    assert sign_in(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME
                                 - timedelta(seconds=1))
    assert sign_in(client, PASSWORD).status_code == 302


def test_an_admin_resets_a_lockout_in_the_admin(client, ana, admin_user, settings):
    # given ana locked out
    settings.AXES_FAILURE_LIMIT = 2
    fail(client, 2)
    attempt = AccessAttempt.objects.get(username="ana")
    # when an admin deletes the lockout from the admin's list of access attempts
    client.force_login(admin_user)
    listing = reverse("admin:axes_accessattempt_changelist")
    assert "ana" in client.get(listing).content.decode()
    response = client.post(listing, {"action": "delete_selected",
                                     "_selected_action": [attempt.pk], "post": "yes"})
    assert response.status_code == 302
    client.logout()
    # then ana signs in again
    assert sign_in(client, PASSWORD).status_code == 302


def test_an_admin_resets_a_lockout_with_the_command(client, ana, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail(client, 2)
    call_command("axes_reset_username", "ana")
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_admin_sign_in_is_throttled_too(client, ana, admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(reverse("admin:login"), {"username": admin_user.username,
                                             "password": "wrong-password"},
                    REMOTE_ADDR="10.0.0.9")
    response = client.post(reverse("admin:login"), {"username": admin_user.username,
                                                    "password": "a-long-test-passphrase"},
                           REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429


def test_an_idle_session_ends_and_the_next_page_asks_to_sign_in(client, ana):
    # given a signed-in user whose session was last used longer ago than the idle limit
    assert sign_in(client, PASSWORD).status_code == 302
    assert client.get(reverse("patients:list")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    # when they open a page
    response = client.get(reverse("patients:list"))
    # then they are sent to sign in
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _last_renewal_ago(client, seconds):
    session = client.session
    session[RENEWED_AT] = int(time.time()) - seconds
    session.save()


def test_a_request_renews_the_idle_clock_once_a_minute_has_passed(client, ana, settings):
    assert sign_in(client, PASSWORD).status_code == 302
    _last_renewal_ago(client, settings.SESSION_RENEW_SECONDS + 1)
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=5))
    client.get(reverse("home"))
    renewed = Session.objects.get().expire_date
    assert renewed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_pages_read_within_a_minute_of_the_last_renewal_write_nothing(client, ana, settings):
    # given a session whose idle clock was renewed ten seconds ago
    assert sign_in(client, PASSWORD).status_code == 302
    _last_renewal_ago(client, 10)
    expiry = Session.objects.get().expire_date
    # when the user reads a page
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("patients:list")).status_code == 200
    # then the session is neither written nor its expiry moved
    assert not [q for q in queries if "django_session" in q["sql"]
                and not q["sql"].startswith("SELECT")]
    assert Session.objects.get().expire_date == expiry


def test_the_session_cookie_ends_with_the_browser(client, ana):
    response = sign_in(client, PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert not cookie["max-age"] and not cookie["expires"]


@pytest.mark.parametrize(("password", "code"), [
    ("Tr1al-edc-x", "password_too_short"),   # 11 characters: the minimum is 12
    ("qwerty123456", "password_too_common"),
    ("480159263715", "password_entirely_numeric"),
    ("ana.silva.coordinator", "password_too_similar"),
])
def test_weak_passwords_are_refused_with_the_rule_they_break(password, code):
    user = factories.user("coordinator", username="ana.silva.coordinator")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert code in [error.code for error in refused.value.error_list]


def test_a_long_uncommon_password_is_accepted(ana):
    validate_password("plum-orbit-cascade-41", ana)


def test_the_limit_and_the_lockout_time_are_read_from_the_environment(tmp_path):
    seen = settings_seen({**PRODUCTION, "LOGIN_FAILURE_LIMIT": "8", "LOGIN_LOCKOUT_MINUTES": "0"},
                         tmp_path, "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME")
    assert seen == {"AXES_FAILURE_LIMIT": "8", "AXES_COOLOFF_TIME": "None"}  # 0: until reset

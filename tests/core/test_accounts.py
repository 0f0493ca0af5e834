"""Accounts hold one role each, are deactivated rather than deleted, and the EDC's own system
account is nobody's."""

from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from core.accounts import AccountDeletionError, SystemAccountError, user_set_role
from core.audit import system_user
from patients.models import Patient
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()


@contextmanager
def refused_deletion(match=None):
    # The refusal comes from inside the deletion's transaction, which it rolls back.
    with pytest.raises(AccountDeletionError, match=match), transaction.atomic():
        yield


def test_deleting_an_account_is_refused_and_its_history_keeps_its_author(coordinator):
    factories.save(Patient(
        subject_id="RD-001", sex="F", age_at_consent=30, diagnosis="T-ALL",
        cd7_positive_blasts_pct=90.0, consent_date=factories.CONSENT), by=coordinator)
    with refused_deletion("deactivate test-coordinator instead"):
        coordinator.delete()
    assert Patient.history.get().history_user == coordinator


def test_deleting_accounts_in_bulk_is_refused_and_deletes_none(coordinator, monitor):
    with refused_deletion():
        User.objects.all().delete()
    assert User.objects.filter(pk__in=[coordinator.pk, monitor.pk]).count() == 2


def test_an_account_without_any_entry_is_not_deleted_either():
    newcomer = factories.user("sponsor", username="newcomer")
    with refused_deletion():
        newcomer.delete()
    assert User.objects.filter(username="newcomer").exists()


def test_the_system_account_cannot_be_given_a_role_or_a_password():
    system_user()
    with pytest.raises(SystemAccountError, match="EDC's own account"):
        user_set_role(username="system", role="admin", password="a-long-new-passphrase")
    system = User.objects.get(username="system")
    assert not system.is_active and not system.check_password("a-long-new-passphrase")
    assert not system.groups.exists()


def test_create_user_refuses_the_system_account():
    with pytest.raises(CommandError, match="system: 'system' is the EDC's own account"):
        call_command("create_user", "system", "--role", "admin", "--password",
                     "a-long-new-passphrase")
    assert not User.objects.filter(username="system", is_active=True).exists()

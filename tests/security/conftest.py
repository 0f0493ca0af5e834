import pytest
from django.db import transaction

from tests import factories
from tests.security.routes import ROLES, demo_trial


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One small trial and one user per role for a whole module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        trial = demo_trial()
        users = {role: factories.user(role) for role in ROLES}
        yield trial, users
        transaction.set_rollback(True)

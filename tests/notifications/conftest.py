"""Fixtures of the notification tests: people with e-mail addresses, and this process's e-mail
sent to the real SMTP server of `tests.conftest.smtp_server`."""

import pytest

from tests import factories

SAFETY_CONTACT = "pv-safety@sponsor.example"


def with_address(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def staff(db, settings):
    """An investigator, a coordinator and a monitor with addresses; the sponsor's safety
    contact configured."""
    settings.SAFETY_CONTACT_EMAIL = SAFETY_CONTACT
    return {
        "investigator": with_address(factories.user("investigator"), "pi@site.example"),
        "coordinator": with_address(factories.user("coordinator"), "crc@site.example"),
        "monitor": with_address(factories.user("monitor"), "cra@cro.example"),
    }


@pytest.fixture
def smtp_settings(smtp_server, settings):
    """This process's e-mail goes to the test's SMTP server; yields what arrives."""
    port, received = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_TIMEOUT = 5
    return received

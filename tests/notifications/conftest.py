"""Fixtures of the notification tests: people with e-mail addresses, and a real SMTP server."""

import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

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


@dataclass
class Received:
    """What a real SMTP server (aiosmtpd) accepted: one parsed message per envelope."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.arrived:
            self.messages.append((list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, seconds: float = 30) -> list[tuple[list[str], EmailMessage]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=seconds)
            assert len(self.messages) >= count, (
                f"{len(self.messages)} message(s) arrived within {seconds} s, not {count}")
            return list(self.messages)

    def to(self, address: str) -> EmailMessage:
        [message] = [m for rcpts, m in self.messages if address in rcpts]
        return message


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port, run by the test; yields (port, Received)."""
    from aiosmtpd.controller import Controller

    from tests.integration.conftest import free_port

    received = Received()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, received
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(smtp_server, settings):
    """This process's e-mail goes to the test's SMTP server; yields what arrives."""
    port, received = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_TIMEOUT = 5
    return received

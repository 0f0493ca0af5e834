"""A real SMTP server for the tests (aiosmtpd): what it accepted, parsed, to read and wait for."""

import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


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

"""A real SMTP server (aiosmtpd) on loopback that records what it receives.

``stall_rcpt`` holds the first RCPT command (the worker has not handed anything over yet);
``stall_data`` keeps the message but holds the answer to DATA (it has been handed over).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    def __init__(self):
        self.messages: list[Message] = []
        self.stall_rcpt = threading.Event()  # set: hold RCPT once
        self.stall_data = threading.Event()  # set: hold the DATA answer once
        self.release = threading.Event()
        self.reject_rcpt = False

    async def _hold(self, flag: threading.Event) -> None:
        if flag.is_set():
            flag.clear()
            while not self.release.is_set():
                await asyncio.sleep(0.05)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._hold(self.stall_rcpt)
        if self.reject_rcpt:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        await self._hold(self.stall_data)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.handler.release.set()
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages

"""A real SMTP server (aiosmtpd) on loopback that records what it receives.

``stall_rcpt`` holds the first RCPT command (the worker has not handed anything over yet);
``stall_data`` keeps the message but holds the answer to DATA (it has been handed over).

``plan(recipient, step, *faults)`` says what goes wrong for one recipient, one fault per
occurrence of the step, then all goes well. The steps are ``rcpt``, ``data_command`` (the DATA
command, before any content) and ``after_data`` (the answer to the content); a fault is a reply
such as ``"451 4.3.0 Try later"``, ``DROP`` (close the connection without answering) or
``("delay", seconds)`` (answer late: after the content, the message is still accepted).
``accepted`` lists the messages the server answered 250 to: what it took responsibility for.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

DROP = "drop"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    def __init__(self):
        self.messages: list[Message] = []
        self.accepted: list[Message] = []
        self.faults: dict[tuple[str, str], list] = {}
        self.stall_rcpt = threading.Event()  # set: hold RCPT once
        self.stall_data = threading.Event()  # set: hold the DATA answer once
        self.release = threading.Event()
        self.reject_rcpt = False

    async def _hold(self, flag: threading.Event) -> None:
        if flag.is_set():
            flag.clear()
            while not self.release.is_set():
                await asyncio.sleep(0.05)

    def plan(self, recipient: str, step: str, *faults) -> None:
        self.faults.setdefault((recipient, step), []).extend(faults)

    async def fault(self, step: str, server, recipient: str) -> str | None:
        """Apply the next planned fault of ``step``: return the reply to give instead, if any."""
        planned = self.faults.get((recipient, step))
        if not planned:
            return None
        fault = planned.pop(0)
        if fault == DROP:
            server.transport.abort()
            return DROP
        if isinstance(fault, tuple):
            await asyncio.sleep(fault[1])
            return None
        return fault

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._hold(self.stall_rcpt)
        if self.reject_rcpt:
            return "550 No such user here"
        reply = await self.fault("rcpt", server, address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        await self._hold(self.stall_data)
        reply = await self.fault("after_data", server, envelope.rcpt_tos[0])
        if reply is not None:
            return reply
        self.accepted.append(message)
        return "250 Message accepted for delivery"


class FaultySMTP(SMTP):
    """aiosmtpd's server, able to refuse (or drop) at the DATA command itself."""

    async def smtp_DATA(self, arg: str) -> None:
        if self.envelope is not None and self.envelope.rcpt_tos:
            reply = await self.event_handler.fault("data_command", self, self.envelope.rcpt_tos[0])
            if reply == DROP:
                return
            if reply is not None:
                await self.push(reply)
                return
        await super().smtp_DATA(arg)


class FaultyController(Controller):
    def factory(self):
        return FaultySMTP(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = FaultyController(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.handler.release.set()
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages

    @property
    def accepted(self) -> list[Message]:
        return self.handler.accepted


def mailed_links(folder, recipient: str, path_fragment: str) -> list[str]:
    """Return the paths of the links containing ``path_fragment`` mailed to ``recipient``.

    Reads the ``.eml`` files the embedded default (``MAIL_CHANNEL=file``) writes to its folder.
    """
    import re
    from pathlib import Path

    found = []
    for saved in Path(folder).glob("*.eml"):
        message = email.message_from_bytes(saved.read_bytes(), policy=email.policy.default)
        if message["To"] != recipient:
            continue
        body = message.get_body(("plain",)).get_content()
        for link in re.findall(r"https?://\S+", body):
            if path_fragment in link:
                found.append((saved.stat().st_mtime_ns, path_fragment + link.split(path_fragment, 1)[1]))
    return [path for _, path in sorted(found)]


def mailed_link(folder, recipient: str, path_fragment: str) -> str:
    """Return the one link containing ``path_fragment`` mailed to ``recipient``."""
    links = mailed_links(folder, recipient, path_fragment)
    assert len(links) == 1, f"expected one link with {path_fragment} for {recipient}, found {links}"
    return links[0]

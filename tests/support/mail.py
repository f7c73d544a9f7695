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

"""Ways an email leaves the portal: a local folder (the embedded default), SMTP, GOV.UK Notify.

Each channel calls ``on_handover()`` at the last moment before the message leaves for good
(for SMTP, just before the DATA command): from then on a crash or a timeout means the fate of
the message is unknown, and it must not be sent again without a person deciding. A refusal the
server states (even after the message's content, as SMTP allows) is a ``Refused``: nothing was
taken, so it is retried, or failed for good when permanent. ``on_handover()`` raises when this
worker may no longer send the message; the channel then sends nothing.
"""

from __future__ import annotations

import base64
import contextlib
import smtplib
import ssl
import uuid
from collections.abc import Callable
from pathlib import Path

from app.jobs.mime import build_message as build_mime
from app.jobs.mime import notify_personalisation
from app.jobs.rendering import RenderedEmail


class Refused(Exception):
    """The server answered and did not take the message: it is safe to try again later."""


class PermanentFailure(Refused):
    """The server refused the message for good (a bad address, a rejected key)."""


class FateUnknown(Exception):
    """The request left and no answer came back (a timeout): the message may have arrived."""


def _smtp_refusal(code: int, answer: bytes | str) -> Refused:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
    kind = PermanentFailure if code >= 500 else Refused
    return kind(f"{code} {text}")


class FileChannel:
    """Write each message as an .eml file: the embedded default, for demos and development."""

    def __init__(self, folder: str, sender: str):
        self.folder = Path(folder)
        self.sender = sender

    def send(self, email: RenderedEmail, recipient: str, key: str, on_handover: Callable[[], None]) -> str:
        message = build_mime(email, sender=self.sender, recipient=recipient, key=key)
        name = f"{uuid.uuid4().hex}.eml"
        # Write it whole under a name no reader picks up first: a failed write (a full disk) is
        # then a plain retry. Only the rename, which cannot half-happen, follows the hand-over.
        draft = self.folder / f".{name}.part"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            draft.write_bytes(bytes(message))
        except OSError as error:
            _discard(draft)
            raise Refused(f"could not write the message: {error}") from error
        try:
            on_handover()
        except BaseException:
            _discard(draft)
            raise
        draft.rename(self.folder / name)
        return name


def _discard(draft: Path) -> None:
    with contextlib.suppress(OSError):
        draft.unlink(missing_ok=True)


class SmtpChannel:
    """Send through any council's SMTP relay."""

    def __init__(self, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, starttls: bool = False, timeout: float = 30):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls
        self.timeout = timeout

    def send(self, email: RenderedEmail, recipient: str, key: str, on_handover: Callable[[], None]) -> str:
        message = build_mime(email, sender=self.sender, recipient=recipient, key=key)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
            code, answer = smtp.mail(self.sender)
            if code != 250:
                raise _smtp_refusal(code, answer)
            code, answer = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise _smtp_refusal(code, answer)
            on_handover()
            try:
                code, answer = smtp.data(message.as_bytes())
            except smtplib.SMTPResponseException as error:
                raise _smtp_refusal(error.smtp_code, error.smtp_error) from error
            # The server may refuse the message after reading it (552 too big, 554 content,
            # 451 try later): smtplib returns that answer instead of raising.
            if code != 250:
                raise _smtp_refusal(code, answer)
        return str(message["Message-ID"]).strip()


class NotifyChannel:
    """Send through GOV.UK Notify, with one generic template holding ((subject)) and ((body))."""

    def __init__(self, api_key: str, template_id: str, base_url: str, timeout: float = 30):
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout)
        self.template_id = template_id

    def send(self, email: RenderedEmail, recipient: str, key: str, on_handover: Callable[[], None]) -> str:
        from notifications_python_client.errors import HTTPError

        personalisation = notify_personalisation(email)
        for attachment in email.attachments:
            personalisation["link_to_file"] = {
                "file": base64.b64encode(attachment.data).decode(),
                "filename": attachment.filename,
                "confirm_email_before_download": False,
                "retention_period": "4 weeks",
            }
        on_handover()
        try:
            answer = self.client.send_email_notification(
                email_address=recipient,
                template_id=self.template_id,
                personalisation=personalisation,
                reference=key,
            )
        except HTTPError as error:
            if error.response is None:
                raise _unanswered(error.__cause__) from error
            # Notify answered: a 4xx other than rate limiting will never succeed, the rest may.
            permanent = 400 <= error.status_code < 500 and error.status_code != 429
            kind = PermanentFailure if permanent else Refused
            raise kind(f"Notify refused: {error.status_code} {error.message}") from error
        return answer["id"]


def _unanswered(cause: BaseException | None) -> Exception:
    """Say what a Notify request that got no answer means: not sent, or fate unknown."""
    import requests
    from urllib3.exceptions import NewConnectionError

    reason = getattr(cause.args[0], "reason", None) if cause is not None and cause.args else None
    if isinstance(cause, requests.ConnectTimeout) or isinstance(reason, NewConnectionError):
        return Refused(f"Notify could not be reached: {cause}")  # the request never left
    # A read timeout or a connection dropped mid-request: Notify may have taken the message.
    return FateUnknown(f"Notify did not answer: {cause}")


def channel_from_config(config, timeout: float | None = None) -> FileChannel | SmtpChannel | NotifyChannel:
    """Build the configured channel; ``timeout`` shortens how long it waits on the server."""
    kind = config["MAIL_CHANNEL"]
    sender = config["MAIL_FROM"]
    wait = min(timeout, config["MAIL_TIMEOUT_SECONDS"]) if timeout else config["MAIL_TIMEOUT_SECONDS"]
    if kind == "smtp":
        return SmtpChannel(config["SMTP_HOST"], config["SMTP_PORT"], sender,
                           config["SMTP_USERNAME"], config["SMTP_PASSWORD"], config["SMTP_STARTTLS"],
                           timeout=wait)
    if kind == "notify":
        return NotifyChannel(config["NOTIFY_API_KEY"], config["NOTIFY_TEMPLATE_ID"],
                             config["NOTIFY_BASE_URL"], timeout=wait)
    return FileChannel(config["MAIL_FOLDER"], sender)

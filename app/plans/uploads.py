"""Receiving an evidence file: the request body is parsed as it arrives and the file part is
written straight to the storage, in the parser's chunks, never held whole in memory nor spooled
to a temporary file first.

While it streams the file is measured against EVIDENCE_MAX_BYTES, hashed (SHA-256) and, from
its first bytes, recognised as one of the allowed types (its content decides, not its name).
Anything wrong, including a body that stops before its end, aborts the pending upload in the
storage, so that nothing is left behind.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import filetype
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.formparser import parse_form_data

from app.storage import Pending, Storage

# Room in the body for the form's other fields and the multipart framing.
FORM_OVERHEAD_BYTES = 64 * 1024
# How much of the start of a file decides its type: enough for an Office file's first parts.
SNIFF_BYTES = 64 * 1024

TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "png": "image/png",
    "jpg": "image/jpeg",
    "csv": "text/csv",
}
ALLOWED_WORDS = "a PDF, Word, Excel, CSV, PNG or JPEG file"
# Bytes a text file holds besides printable ones: tab, line feed, carriage return.
_TEXT_CONTROLS = {9, 10, 13}


class UploadRefused(ValueError):
    """The file cannot be taken; the message says why, for the form."""


def size_words(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def kind_of(head: bytes, filename: str) -> str:
    """Return the type the file's first bytes show, or raise UploadRefused."""
    guess = filetype.guess(head)
    if guess is not None:
        if guess.extension in TYPES and guess.extension != "csv":
            return guess.extension
        raise UploadRefused(f"The selected file must be {ALLOWED_WORDS}")
    if filename.lower().endswith(".csv") and _is_text(head):
        return "csv"
    raise UploadRefused(f"The selected file must be {ALLOWED_WORDS}")


def _is_text(head: bytes) -> bool:
    # UTF-8 or a Windows code page alike: no NUL and no control bytes a text file lacks.
    return all(byte >= 32 or byte in _TEXT_CONTROLS for byte in head)


class ReceivingFile:
    """The parser's container for the file part: checks and hashes each chunk and passes it
    on to a pending upload in the storage, started once the first bytes showed the type."""

    def __init__(self, storage: Storage, limit: int, filename: str, folder: str = "evidence"):
        self.filename = filename
        self.folder = folder
        self.size = 0
        self.kind: str | None = None
        self._storage, self._limit = storage, limit
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self._pending: Pending | None = None

    @property
    def key(self) -> str:
        return self._pending.key

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def write(self, chunk: bytes) -> int:
        self.size += len(chunk)
        if self.size > self._limit:
            raise UploadRefused(f"The selected file must be smaller than {size_words(self._limit)}")
        self._hash.update(chunk)
        if self._pending is not None:
            self._pending.write(chunk)
        else:
            self._head += chunk
            if len(self._head) >= SNIFF_BYTES:
                self._start()
        return len(chunk)

    def _start(self) -> None:
        self.kind = kind_of(bytes(self._head), self.filename)
        self._pending = self._storage.start(f"{self.folder}/{secrets.token_hex(16)}")
        self._pending.write(bytes(self._head))
        self._head.clear()

    def finish(self) -> None:
        """The part ended: check a file shorter than the sniffing window now."""
        if self.size == 0:
            raise UploadRefused("The selected file is empty")
        if self._pending is None:
            self._start()

    def seek(self, *args) -> int:
        # The parser rewinds its container once the part ends; ours is already on its way.
        return 0

    @property
    def pending(self) -> Pending:
        """The upload in the storage, for the operation that keeps it with its rows
        (app.unit_of_work.keep_with_unit commits it just before the database)."""
        return self._pending

    def abort(self) -> None:
        if self._pending is not None:
            self._pending.abort()


@dataclass
class Received:
    form: MultiDict
    file: ReceivingFile | None

    def abort(self) -> None:
        if self.file is not None:
            self.file.abort()


class Interrupted(UploadRefused):
    """The body stopped before its end."""


def receive(environ: dict, storage: Storage, limit: int, form_memory: int,
            field: str = "file", folder: str = "evidence") -> Received:
    """Parse the request body, streaming its one file part (named ``field``) to ``storage``.

    Raise UploadRefused with the reason on any failure, after aborting the pending upload.
    The file is stored under ``folder``/ and a generated name."""
    started: list[ReceivingFile] = []

    def stream_factory(total_content_length, content_type, filename, content_length=None):
        if started:
            raise UploadRefused("Select one file at a time")
        started.append(ReceivingFile(storage, limit, filename or "", folder))
        return started[0]

    try:
        _, form, files = parse_form_data(
            environ, stream_factory=stream_factory, silent=False,
            max_content_length=limit + FORM_OVERHEAD_BYTES, max_form_memory_size=form_memory)
        received = Received(form=form, file=started[0] if started else None)
        if received.file is not None and (field not in files or _nothing_chosen(received.file)):
            # No file chosen (the browser sends an empty part), or a part by another name.
            received.abort()
            received.file = None
        if received.file is not None:
            received.file.finish()
        return received
    except BaseException as error:
        for file in started:
            file.abort()
        raise _reason(error, limit) from error


def _nothing_chosen(file: ReceivingFile) -> bool:
    return file.size == 0 and not file.filename


def _reason(error: BaseException, limit: int) -> BaseException:
    if isinstance(error, UploadRefused):
        return error
    if isinstance(error, RequestEntityTooLarge):
        return UploadRefused(f"The selected file must be smaller than {size_words(limit)}")
    if isinstance(error, (ClientDisconnected, ValueError)):
        return Interrupted("The file did not arrive whole: the upload was interrupted and "
                           "nothing was kept. Select the file again")
    return error

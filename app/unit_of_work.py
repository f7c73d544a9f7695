"""The one place where a write becomes permanent.

The rule (docs/operations.md):

- Services read. Operations write, check the business rules and write the audit event.
- An operation is a function decorated with :func:`operation`. Called from outside any other
  operation (a route, a job, the CLI, an import) it is a unit of work: it commits when it
  returns and rolls back when it raises, so a refused change leaves nothing behind. Called
  from inside another operation it joins that one's unit: its writes are flushed when it
  returns, and only the outermost commits, so a composite change (a decision that also moves
  the stage) is all or nothing.
- A file received into the storage is part of the unit (:func:`keep_with_unit`): it is kept in
  the storage just before the database commits, deleted if that commit fails, and dropped if
  the unit rolls back, so no file stays without its record and no record without its file.
- Routes, jobs and the CLI never call ``db.session.commit()``. The few writes that are not
  changes of case data (a session's last-seen time, the sign-in throttle, the outbox's
  delivery bookkeeping) call :func:`commit` here, each with its reason.

``tests/unit/test_commits.py`` fails when ``commit()`` appears anywhere else in app/.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, Protocol, TypeVar

from app.extensions import db

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_DEPTH = "operation_depth"
_KEPT = "operation_files"


class PendingFile(Protocol):
    """A file on its way into the storage (app.storage's Pending), unseen until committed."""

    key: str

    def commit(self) -> None: ...

    def abort(self) -> None: ...


class FileStore(Protocol):
    """The storage a pending file goes to, which removes it again if the rows do not commit."""

    def delete(self, key: str) -> None: ...


class Refused(Exception):
    """A change the rules do not allow now; the message says why, for the person."""

    def __init__(self, *reasons: str):
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


def operation(fn: Callable[P, R]) -> Callable[P, R]:
    """Make ``fn`` a unit of work: commit on return, roll back on any exception, unless it
    runs inside another operation, whose unit it joins."""

    @wraps(fn)
    def unit(*args: P.args, **kwargs: P.kwargs) -> R:
        info = db.session.info
        depth = info.get(_DEPTH, 0)
        info[_DEPTH] = depth + 1
        try:
            result = fn(*args, **kwargs)
            if depth == 0:
                _commit_with_files()
            else:
                # Written now, under the scope in force (a caller may act for another
                # authority around this call only); the outermost operation commits.
                db.session.flush()
            return result
        except BaseException:
            if depth == 0:
                db.session.rollback()
                for pending, _ in _take_files():
                    pending.abort()
            raise
        finally:
            info[_DEPTH] = depth

    return unit


def keep_with_unit(pending: PendingFile, store: FileStore) -> None:
    """Make a received file part of the running operation's unit of work: committed in the
    storage when the unit commits, just before the database (and deleted from ``store`` if
    the database then fails); aborted if the unit rolls back."""
    if not in_operation():
        raise RuntimeError("a received file is kept only by an operation")
    db.session.info.setdefault(_KEPT, []).append((pending, store))


def _take_files() -> list[tuple[PendingFile, FileStore]]:
    return db.session.info.pop(_KEPT, [])


def _commit_with_files() -> None:
    # Flushed first, so a refusal by the database stops before any file is kept; then the
    # files, then the rows: a failed commit deletes the files it kept.
    db.session.flush()
    files = _take_files()
    kept = 0
    try:
        for pending, _ in files:
            pending.commit()
            kept += 1
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for pending, store in files[:kept]:
            store.delete(pending.key)
        for pending, _ in files[kept:]:
            pending.abort()
        raise


def in_operation() -> bool:
    """True while an operation runs (its writes are not committed yet)."""
    return db.session.info.get(_DEPTH, 0) > 0


def commit(reason: str) -> None:
    """Commit a write that is not a change of case data (named by ``reason`` in the debug
    log). Inside an operation it does nothing: the operation commits."""
    if in_operation():
        return
    log.debug("commit: %s", reason)
    db.session.commit()

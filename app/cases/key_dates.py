"""The host's key dates of a case, computed once by the host and stored on the case.

A placing authority cannot read the host's decision, meetings or procedure settings, so it
cannot compute the clocks itself (it would see defaults and "not started"). Every change of a
case by its host is audited through ``app.cases.operations.audit_case``, which refreshes the
stored dates in the same transaction; a reader then only works out, from those dates and the
time now, whether each clock is running, overdue or met.
"""

from __future__ import annotations

from datetime import date, datetime

from app.cases.clocks import Clock, ClockStatus, clock_at, next_deadline
from app.db import utcnow
from app.unit_of_work import operation


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot(clocks: list[Clock]) -> list[dict]:
    """Return the clocks' dates as JSON-ready rows (no status: it is worked out on reading)."""
    return [
        {
            "key": clock.key,
            "label": clock.label,
            "paused": clock.status is ClockStatus.PAUSED,
            "started_at": _iso(clock.started_at),
            "due_day": _iso(clock.due_day),
            "due_at": _iso(clock.due_at),
            "met_at": _iso(clock.met_at),
            "after_closing": clock.after_closing,
            "agreed": clock.agreed,
        }
        for clock in clocks
    ]


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def clocks_from(rows: list[dict] | None, now: datetime | None = None) -> list[Clock]:
    """Return the clocks stored by the host, each with its status at ``now``."""
    now = now or utcnow()
    clocks = []
    for row in rows or []:
        if row["paused"]:
            status = ClockStatus.PAUSED
        else:
            status = ClockStatus.NOT_STARTED if row["started_at"] is None else ClockStatus.RUNNING
        clock = Clock(
            row["key"], row["label"], status, _moment(row["started_at"]),
            date.fromisoformat(row["due_day"]) if row["due_day"] else None,
            _moment(row["due_at"]), _moment(row["met_at"]), row.get("after_closing", False),
            row.get("agreed", False),
        )
        clocks.append(clock_at(clock, now))
    return clocks


def refresh(case) -> None:
    """Recompute the case's clocks as its host and store their dates on the case."""
    from app.cases import services

    held = services.held_meetings([case.id])[case.id]
    clocks = services.clocks_of(case, held)
    case.key_dates = snapshot(clocks)
    first = next_deadline(services.clocks_in_force(case, clocks))
    case.next_due_at = first.due_sort_key if first is not None else None
    case.owes_after_closing = services.has_open_obligation(case, clocks)


@operation
def refresh_authority(authority_id: int) -> int:
    """Recompute the stored key dates of every case the authority hosts (the caller acts as
    that authority); return how many. For cases that predate the stored dates."""
    from sqlalchemy import select

    from app.cases.models import Case
    from app.extensions import db

    cases = list(db.session.scalars(select(Case).where(Case.tenant_id == authority_id)))
    for case in cases:
        refresh(case)
    return len(cases)

"""Moments shown as clock time in England, without ever failing on a stored value.

A date at the very edge of what Python can hold (1 January 0001 or 31 December 9999, stored
before the forms refused them) cannot be moved into another time zone: such a moment is shown
as it was stored rather than taking the whole page down.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.cases.clocks import LONDON


def to_london(moment: datetime | None) -> datetime | None:
    """Return ``moment`` in London time (UTC if it is too close to the calendar's ends)."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; the app stores UTC.
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(LONDON)
    except (OverflowError, ValueError):
        return moment

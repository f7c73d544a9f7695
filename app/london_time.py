"""London time at the edges: the database holds UTC moments; people read and type clock time.

Every page, email, document and calendar invitation shows moments on London's clock
(``to_london``; app.formatting words them), and every form turns what people type into a
moment through ``at_london``, so a time typed in
summer is not an hour out and saving it unchanged moves nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
TIMEZONE_NAME = "Europe/London"


class NoSuchTime(ValueError):
    """The clock time does not happen that day in London (the hour skipped in March)."""


def now() -> datetime:
    return datetime.now(LONDON)


def today() -> date:
    return now().date()


def to_london(moment: datetime | None) -> datetime | None:
    """Return the moment on London's clock (None stays None); a naive value is refused."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime ({moment.isoformat()}) names no moment")
    try:
        return moment.astimezone(LONDON)
    except OverflowError:
        # A moment at the calendar's very edge (1 January 0001, stored before the forms refused
        # it) cannot change zone: show it as stored rather than take the page down.
        return moment


def london_date(moment: datetime) -> date:
    return to_london(moment).date()


def at_london(day: date, clock: time) -> datetime:
    """Return the moment a London clock shows ``clock`` on ``day``, as UTC.

    In the repeated hour of October the first (summer time) reading is meant; the skipped hour
    of March does not exist and raises NoSuchTime.
    """
    moment = datetime.combine(day, clock.replace(tzinfo=None, fold=0), tzinfo=LONDON)
    back = moment.astimezone(UTC).astimezone(LONDON)
    if (back.date(), back.time()) != (day, clock.replace(tzinfo=None, fold=0)):
        raise NoSuchTime(f"{clock:%H:%M} does not happen on {day:%-d %B %Y} in the UK")
    return moment.astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """Return London's midnight at the start of ``day``, as UTC."""
    return at_london(day, time(0, 0))


def clock(moment: datetime | None) -> str:
    """``14:00`` on London's clock: the value a time field is filled with (people read
    app.formatting's "2pm")."""
    return f"{to_london(moment):%H:%M}" if moment is not None else ""

"""London time at the edges: the database holds UTC moments; people read and type clock time.

Every page, email, document and calendar invitation shows moments through these helpers, and
every form turns what people type into a moment through ``at_london``, so a time typed in
summer is not an hour out and saving it unchanged moves nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Flask

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
    return moment.astimezone(LONDON)


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


def long_date(value: date | datetime | None) -> str:
    """``15 June 2026``; a moment is read on London's clock first."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = london_date(value)
    return f"{value:%-d %B %Y}"


def clock(moment: datetime | None) -> str:
    """``14:00`` on London's clock."""
    return f"{to_london(moment):%H:%M}" if moment is not None else ""


def date_and_time(moment: datetime | None) -> str:
    """``15 June 2026 at 14:00`` on London's clock."""
    return f"{long_date(moment)} at {clock(moment)}" if moment is not None else ""


def day_and_date(moment: datetime | None) -> str:
    """``Monday 15 June 2026`` on London's clock."""
    return f"{to_london(moment):%A %-d %B %Y}" if moment is not None else ""


def short_date_and_time(moment: datetime | None) -> str:
    """``15 Jun 2026 14:00`` on London's clock, for tables."""
    return f"{to_london(moment):%-d %b %Y %H:%M}" if moment is not None else ""


def init_app(app: Flask) -> None:
    """Give templates the same formatting as the code (filters that read London's clock)."""
    app.jinja_env.filters.update(
        london_date=long_date,
        london_time=clock,
        london_datetime=date_and_time,
        london_day=day_and_date,
        london_short=short_date_and_time,
    )
    app.jinja_env.globals["local_time"] = to_london

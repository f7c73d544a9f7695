"""Dates and times as people read them, in the GOV.UK style, and text XML can hold.

One place for every page, document and message: "2 March 2026", "10am", "2:30pm",
"midday", "Monday 2 March 2026 at 10am". Moments (timezone-aware UTC
datetimes, as every column hands them back) are shown on London's clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from app.london_time import to_london

# Characters XML 1.0 cannot hold (python-docx refuses them and PostgreSQL refuses NUL). Word's
# Shift+Enter pastes a vertical tab and a page break arrives as a form feed: both become line
# breaks; every other one is dropped.
_LINE_BREAKS = re.compile("[\x0b\x0c]")
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str | None) -> str:
    """Return ``text`` without the characters an XML document cannot hold."""
    if not text:
        return text or ""
    return _NOT_XML.sub("", _LINE_BREAKS.sub("\n", text))


def _local(moment: datetime) -> datetime:
    return to_london(moment)


def time_of_day(moment: datetime | time) -> str:
    """Return a time in the GOV.UK style: "10am", "2:30pm", "midday", "midnight"."""
    at = _local(moment).time() if isinstance(moment, datetime) else moment
    if (at.hour, at.minute) == (12, 0):
        return "midday"
    if (at.hour, at.minute) == (0, 0):
        return "midnight"
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes}{'am' if at.hour < 12 else 'pm'}"


def long_date(value: date | datetime) -> str:
    """Return a date as "2 March 2026" (a moment's London date)."""
    day = _local(value).date() if isinstance(value, datetime) else value
    return f"{day.day} {day:%B %Y}"


def short_date(value: date | datetime) -> str:
    """Return a date as "2 Mar 2026", for narrow table columns."""
    day = _local(value).date() if isinstance(value, datetime) else value
    return f"{day.day} {day:%b %Y}"


def day_and_date(value: date | datetime) -> str:
    """Return a date with its weekday: "Monday 2 March 2026"."""
    day = _local(value).date() if isinstance(value, datetime) else value
    return f"{day:%A} {long_date(day)}"


def date_and_time(moment: datetime) -> str:
    """Return a moment as "2 March 2026 at 10am"."""
    return f"{long_date(moment)} at {time_of_day(moment)}"


def short_date_and_time(moment: datetime) -> str:
    """Return a moment as "2 Mar 2026, 10am", for narrow table columns."""
    return f"{short_date(moment)}, {time_of_day(moment)}"


def _or_blank(format_):
    """Templates show nothing for a missing value instead of failing on it."""
    return lambda value: "" if value is None else format_(value)


FILTERS = {
    "time_of_day": time_of_day,
    "long_date": long_date,
    "short_date": short_date,
    "day_and_date": day_and_date,
    "date_and_time": date_and_time,
    # The names the meeting and message templates use for the same formats.
    "london_date": long_date,
    "london_time": time_of_day,
    "london_datetime": date_and_time,
    "london_day": day_and_date,
    "london_short": short_date_and_time,
}
FILTERS = {name: _or_blank(format_) for name, format_ in FILTERS.items()}

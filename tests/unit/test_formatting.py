"""One GOV.UK style for dates and times, in London time, everywhere people read them; text
cleaned of what XML cannot hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from app.formatting import (
    date_and_time,
    day_and_date,
    long_date,
    short_date,
    time_of_day,
    xml_safe,
)


@pytest.mark.parametrize(("at", "shown"), [
    (time(10, 0), "10am"), (time(14, 30), "2:30pm"), (time(9, 5), "9:05am"),
    (time(12, 0), "midday"), (time(0, 0), "midnight"), (time(12, 45), "12:45pm"),
    (time(0, 15), "12:15am"), (time(23, 59), "11:59pm"),
])
def test_times_read_the_gov_uk_way(at, shown):
    assert time_of_day(at) == shown


def test_moments_are_shown_in_london_time_across_the_clock_changes():
    winter = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    summer = datetime(2026, 6, 15, 13, 0, tzinfo=UTC)  # 2pm British Summer Time
    assert date_and_time(winter) == "2 March 2026 at 10am"
    assert date_and_time(summer) == "15 June 2026 at 2pm"
    assert date_and_time(datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == "29 March 2026 at 12:30am"
    assert date_and_time(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == "29 March 2026 at 2:30am"
    assert date_and_time(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "25 October 2026 at 1:30am"
    assert date_and_time(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "25 October 2026 at 1:30am"
    # A late-evening UTC moment in summer is already the next day in London.
    assert long_date(datetime(2026, 6, 4, 23, 30, tzinfo=UTC)) == "5 June 2026"
    # A naive value names no moment (every column hands back UTC-aware ones): refused, not guessed.
    with pytest.raises(ValueError):
        date_and_time(datetime(2026, 6, 15, 13, 0))


def test_dates():
    assert long_date(date(2026, 3, 2)) == "2 March 2026"
    assert short_date(date(2026, 3, 2)) == "2 Mar 2026"
    assert day_and_date(date(2026, 3, 2)) == "Monday 2 March 2026"


def test_xml_safe_keeps_what_xml_holds_and_turns_word_line_breaks_into_new_lines():
    every = "".join(chr(code) for code in range(32))
    cleaned = xml_safe(f"a{every}b")
    assert cleaned == "a\t\n\n\n\rb"
    assert xml_safe("Line one\x0bLine two") == "Line one\nLine two"
    assert xml_safe("café – £5 ✓") == "café – £5 ✓"
    assert xml_safe("\ufffe\uffffok") == "ok"
    assert xml_safe("") == "" and xml_safe(None) == ""


def test_templates_have_the_filters(app):
    rendered = app.jinja_env.from_string("{{ moment | date_and_time }} {{ day | long_date }}").render(
        moment=datetime(2026, 6, 15, 13, 0, tzinfo=UTC), day=date(2026, 3, 2))
    assert rendered == "15 June 2026 at 2pm 2 March 2026"

"""London clock time at the edges, UTC in the column type, and the message headers."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text

from app import create_app
from app.db import UtcDateTime
from app.formatting import date_and_time, long_date, time_of_day
from app.jobs.mime import build_message, message_id, subject_line
from app.jobs.rendering import RenderedEmail
from app.london_time import NoSuchTime, at_london

# Its own metadata: the models' metadata must stay as the migrations build it.
MOMENT = Table("test_moment", MetaData(), Column("id", Integer, primary_key=True),
               Column("at", UtcDateTime))


@pytest.mark.parametrize("day, clock, utc", [
    (date(2026, 3, 28), time(14), datetime(2026, 3, 28, 14, tzinfo=UTC)),
    (date(2026, 3, 29), time(0, 30), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
    (date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    (date(2026, 6, 15), time(14), datetime(2026, 6, 15, 13, tzinfo=UTC)),
    (date(2026, 10, 25), time(1, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # the first 01:30
    (date(2026, 10, 25), time(14), datetime(2026, 10, 25, 14, tzinfo=UTC)),
])
def test_london_clock_time_is_the_right_moment(day, clock, utc):
    moment = at_london(day, clock)
    assert moment == utc and moment.tzinfo is UTC
    assert date_and_time(moment) == f"{day:%-d %B %Y} at {time_of_day(clock)}"


def test_the_hour_skipped_in_march_does_not_exist():
    with pytest.raises(NoSuchTime):
        at_london(date(2026, 3, 29), time(1, 30))


def test_a_moment_near_midnight_is_dated_by_london():
    assert long_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"


def test_the_column_type_stores_utc_on_sqlite_and_reads_back_aware():
    engine = create_engine("sqlite://")
    MOMENT.create(engine)
    summer = datetime(2026, 6, 15, 14, tzinfo=ZoneInfo("Europe/London"))
    with engine.begin() as connection:
        connection.execute(insert(MOMENT).values(id=1, at=summer))
        assert connection.scalar(text("select at from test_moment")).startswith("2026-06-15 13:00:00")
        read = connection.scalar(select(MOMENT.c.at))
        assert read == summer and read.tzinfo is UTC and read.hour == 13
        # Comparisons in SQL bind through the same type: an aware London bound finds it.
        assert connection.scalar(select(MOMENT.c.id).where(MOMENT.c.at >= summer)) == 1
        with pytest.raises(Exception, match="naive datetime"):
            connection.execute(insert(MOMENT).values(id=2, at=datetime(2026, 6, 15, 14)))


@pytest.fixture
def app():
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "PUBLIC_URL": "https://concerns.council.example/portal"})


def _message(subject: str, key: str = "closure-letter:7:cqc:inspector@cqc.example"):
    email_ = RenderedEmail(subject=subject, text="Hello\n", html="<p>Hello</p>")
    return build_message(email_, sender="Provider concerns <no-reply@concerns.council.example>",
                         recipient="inspector@cqc.example", key=key)


def test_the_message_id_is_the_services_own_and_the_same_on_every_attempt(app):
    with app.app_context():
        first, again = _message("Closure"), _message("Closure")
        other = _message("Closure", key="closure-letter:7:provider:m@provider.example")
    assert first["Message-ID"] == again["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"].count("@") == 1
    assert first["Message-ID"].endswith("@concerns.council.example>")
    assert "cqc.example" not in first["Message-ID"] and "closure" not in first["Message-ID"]
    assert first["Date"]


def test_a_long_subject_folds_with_text_on_its_first_line_and_carries_the_marking(app):
    subject = ("Overdue: Action: Ask the registered manager to send the staffing rota for the last "
               "four weeks and the training matrix (PC-2026-0001, Meadowbank Healthcare Ltd)")
    with app.app_context():
        raw = _message(subject + "\n").as_bytes()
    head = raw.split(b"\r\n\r\n")[0].decode()
    lines = head.split("Subject:", 1)[1].split("\r\n")
    folded = [lines[0]] + [line for line in lines[1:] if line.startswith(" ")]
    assert folded[0].strip().startswith("OFFICIAL-SENSITIVE: Overdue:")
    assert len(folded) > 1 and len("Subject:" + folded[0]) <= 78
    assert all(len(line) <= 78 for line in folded[1:])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == f"OFFICIAL-SENSITIVE: {subject}"


def test_the_marking_is_a_setting_and_may_be_empty(app):
    with app.app_context():
        app.config["PROTECTIVE_MARKING"] = ""
        assert subject_line("Due today") == "Due today"
        app.config["PROTECTIVE_MARKING"] = "OFFICIAL"
        assert subject_line("Due  today") == "OFFICIAL: Due today"
    with app.app_context():
        assert message_id("k") == message_id("k")

"""The deadline sweep on the real PostgreSQL (row-level security on) and, for the recurring
entry point, a real Redis with ``rq cron`` and an RQ worker process.

The world is dated around a fixed moment, Wednesday 11 March 2026 at 10:00 in London (GMT, so
UTC too), and each case is built from working days counted back from it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from app.actions.models import Action, ActionStatus, OwnerKind
from app.auth.models import User
from app.cases.clocks import add_working_days
from app.cases.models import Case, Decision, DecisionOutcome, Stage
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.jobs.rendering import render_email
from app.jobs.sweep import sweep_once
from app.meetings.models import MeetingKind
from app.tenants.models import Authority, Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.processes import ROOT, RedisServer, Worker, wait_for
from tests.support.services import APP_ROLE, url

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
CHAIR_A = "chair@host-a.example"
OWNER_A = "viewer@host-a.example"
LEADS = {"Host A County Council": "lead@host-a.example", "Host B County Council": "lead@host-b.example"}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


def _user_id(email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


def _case(host_id: int, reference: str, decided_on: date | None, *, chair: bool = True, **extra) -> Case:
    """Open a case at ``host_id`` with its lead officer (and chair) and a PROCEED decision."""
    host = db.session.get(Authority, host_id)
    place = factories.location(factories.provider(f"Provider of {reference}"), host)
    lead = LEADS[host.name]
    row = factories.case(place, reference=reference, stage=extra.pop("stage", Stage.INITIAL_MEETING),
                         lead_officer_id=_user_id(lead),
                         chair_id=_user_id(CHAIR_A) if chair else None, **extra)
    if decided_on is not None:
        with scoped_as(db.session, Scope(tenant_id=host_id)):
            db.session.add(Decision(tenant_id=host_id, case_id=row.id, threshold_assessment="met",
                                    outcome=DecisionOutcome.PROCEED, decided_at=_at(decided_on)))
            db.session.flush()
    return row


def _action(of: Case, due_on: date, status=ActionStatus.OPEN, owner_kind=OwnerKind.USER) -> None:
    with scoped_as(db.session, Scope(tenant_id=of.tenant_id)):
        db.session.add(Action(
            tenant_id=of.tenant_id, case_id=of.id, description=f"Check the rota, due {due_on}",
            owner_kind=owner_kind, due_on=due_on, status=status,
            owner_user_id=_user_id(OWNER_A) if owner_kind is OwnerKind.USER else None,
            owner_authority_id=of.tenant_id if owner_kind is OwnerKind.AUTHORITY else None,
        ))
        db.session.flush()


def _build_deadlines(world) -> None:
    factories.member(db.session.get(Authority, world.host_a), Role.CHAIR, email=CHAIR_A)
    # Inform the provider: due one working day after the decision, so due today.
    _case(world.host_a, "DUE-TODAY", add_working_days(TODAY, -1), chair=False)
    # Decided today: informing the provider is due tomorrow, within the 2-day window.
    tomorrow = _case(world.host_a, "DUE-TOMORROW", TODAY)
    _action(tomorrow, TODAY - timedelta(days=1))  # overdue: to its owner
    _action(tomorrow, add_working_days(TODAY, 1), ActionStatus.IN_PROGRESS)  # due soon
    _action(tomorrow, TODAY, ActionStatus.DONE)  # done: nothing
    _action(tomorrow, TODAY, owner_kind=OwnerKind.AUTHORITY)  # no person owns it: nothing
    # Provider informed on time (met: nothing); the initial meeting, due in 5 working days, is late.
    decided = add_working_days(TODAY, -10)
    _case(world.host_a, "OVERDUE", decided, provider_informed_at=_at(decided))
    _held_initial_meeting_case(world.host_a)
    _case(world.host_a, "CLOSED", add_working_days(TODAY, -30), stage=Stage.CLOSED)
    _case(world.host_a, "NO-DECISION", None)
    _case(world.host_b, "B-OVERDUE", add_working_days(TODAY, -10), chair=False)
    db.session.commit()


def _held_initial_meeting_case(host_id: int) -> None:
    """Initial meeting held on time; the findings meeting (14 working days on) is due in 2."""
    held_on = add_working_days(add_working_days(TODAY, 2), -14)
    decided = add_working_days(held_on, -3)
    row = _case(host_id, "FINDINGS-SOON", decided, provider_informed_at=_at(decided))
    factories.meeting(row, MeetingKind.INITIAL, scheduled_for=_at(held_on), held_at=_at(held_on))


EXPECTED_A = {
    ("DUE-TODAY", "inform_provider", "due_today", "lead@host-a.example"),
    ("DUE-TOMORROW", "inform_provider", "due_soon", "lead@host-a.example"),
    ("DUE-TOMORROW", "action", "overdue", OWNER_A),
    ("DUE-TOMORROW", "action", "due_soon", OWNER_A),
    ("OVERDUE", "initial_meeting", "overdue", "lead@host-a.example"),
    ("OVERDUE", "initial_meeting", "overdue", CHAIR_A),
    ("FINDINGS-SOON", "findings_meeting", "due_soon", "lead@host-a.example"),
}
EXPECTED_B = {
    ("B-OVERDUE", "inform_provider", "overdue", "lead@host-b.example"),
    ("B-OVERDUE", "initial_meeting", "overdue", "lead@host-b.example"),
}


def _reminders(tenant_id: int) -> list[OutboxMessage]:
    with scoped_as(db.session, Scope(tenant_id=tenant_id)):
        return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _summary(messages: list[OutboxMessage]) -> set[tuple[str, str, str, str]]:
    found = set()
    for message in messages:
        _, _case_id, deadline, kind, _due, _user = message.idempotency_key.split(":")
        reference = message.payload["context"]["reference"]
        found.add((reference, "action" if deadline.startswith("action-") else deadline, kind,
                   message.recipient))
    return found


@pytest.fixture
def deadlines(app, world):
    with app.app_context():
        _build_deadlines(world)
    return world


def test_the_sweep_queues_each_expected_reminder_once(app, deadlines):
    with app.app_context():
        assert sweep_once(NOW) == len(EXPECTED_A) + len(EXPECTED_B)
        first_a, first_b = _reminders(deadlines.host_a), _reminders(deadlines.host_b)
        assert _summary(first_a) == EXPECTED_A and len(first_a) == len(EXPECTED_A)
        assert _summary(first_b) == EXPECTED_B and len(first_b) == len(EXPECTED_B)
        assert {m.template for m in first_a} == {"deadline_due_today", "deadline_due_soon", "deadline_overdue"}

        assert sweep_once(NOW) == 0
        assert [m.id for m in _reminders(deadlines.host_a)] == [m.id for m in first_a]
        assert [m.id for m in _reminders(deadlines.host_b)] == [m.id for m in first_b]


def test_an_action_due_on_the_weekend_after_the_window_is_due_soon_and_the_next_working_day_is_not(app, world):
    """The sweep reads only actions that can be reminded of today: the window's end is the
    last working day within it and the non-working days that follow it."""
    sunday, monday = date(2026, 3, 15), date(2026, 3, 16)  # TODAY is Wednesday 11 March 2026
    with app.app_context():
        factories.member(db.session.get(Authority, world.host_a), Role.CHAIR, email=CHAIR_A)
        row = _case(world.host_a, "WEEKEND", TODAY - timedelta(days=40))
        _action(row, sunday)
        _action(row, monday)
        db.session.commit()
        sweep_once(NOW)
        dues = {message.idempotency_key.split(":")[4] for message in _reminders(world.host_a)
                if ":action-" in message.idempotency_key}
    assert dues == {sunday.isoformat()}


def test_closed_cases_met_clocks_and_cases_without_a_decision_get_nothing(app, deadlines):
    with app.app_context():
        sweep_once(NOW)
        found = _summary(_reminders(deadlines.host_a))
    assert not [r for r in found if r[0] in ("CLOSED", "NO-DECISION")]
    # OVERDUE's provider was informed on time; FINDINGS-SOON's first two clocks were met.
    reminded = {(reference, deadline) for reference, deadline, _, _ in found}
    assert ("OVERDUE", "inform_provider") not in reminded
    assert not reminded & {("FINDINGS-SOON", "inform_provider"), ("FINDINGS-SOON", "initial_meeting")}


def test_each_reminder_belongs_to_its_authority_and_no_other_sees_it(app, deadlines):
    with app.app_context():
        sweep_once(NOW)
        for tenant_id in (deadlines.host_a, deadlines.host_b):
            assert {m.tenant_id for m in _reminders(tenant_id)} == {tenant_id}
        for outsider in (deadlines.placing_shared, deadlines.placing_unshared):
            assert _reminders(outsider) == []
        a_ids = {m.id for m in _reminders(deadlines.host_a)}
        assert a_ids.isdisjoint(m.id for m in _reminders(deadlines.host_b))


def test_the_next_day_brings_the_next_reminder_and_only_that(app, deadlines):
    with app.app_context():
        sweep_once(NOW)
        before = _summary(_reminders(deadlines.host_a))
        thursday = datetime.combine(add_working_days(TODAY, 1), time(10, 0), tzinfo=UTC)
        assert sweep_once(thursday) == 3
        new = _summary(_reminders(deadlines.host_a)) - before
    # What was due yesterday is overdue, what was due soon is due today; the findings meeting
    # (due Friday) and the overdue ones were already reminded of for those due days.
    assert new == {
        ("DUE-TODAY", "inform_provider", "overdue", "lead@host-a.example"),
        ("DUE-TOMORROW", "inform_provider", "due_today", "lead@host-a.example"),
        ("DUE-TOMORROW", "action", "due_today", OWNER_A),
    }


def test_a_reminder_names_the_case_provider_deadline_due_date_and_link(app, deadlines):
    with app.app_context():
        sweep_once(NOW)
        (message,) = [m for m in _reminders(deadlines.host_a)
                      if m.recipient == CHAIR_A and m.template == "deadline_overdue"]
        with scoped_as(db.session, Scope(tenant_id=deadlines.host_a)):
            case = db.session.get(Case, message.case_id)
        rendered = render_email(message.template, message.payload["context"])
        due = add_working_days(add_working_days(TODAY, -10), 5)
        assert rendered.subject == "Overdue: Hold the initial meeting (OVERDUE, Provider of OVERDUE)"
        for part in (rendered.text, rendered.html):
            assert "OVERDUE" in part and "Provider of OVERDUE" in part
            assert "Hold the initial meeting" in part and due.strftime("%-d %B %Y") in part
            assert f"http://portal.test/authorities/{deadlines.host_a}/cases/{case.id}" in part
            assert "chair of the case" in part


def _worker_settings(pg_database, redis_server, tmp_path) -> dict:
    return {
        "DATABASE_URL": url(APP_ROLE, pg_database),
        "SECRET_KEY": "test-secret-key",
        "REDIS_URL": redis_server.url,
        "RQ_QUEUE": "sweep-test",
        "MAIL_CHANNEL": "file",
        "MAIL_FOLDER": str(tmp_path / "mail"),
        "PCP_INSTANCE_DIR": str(tmp_path / "instance"),
        "SWEEP_INTERVAL_SECONDS": "3600",
        "OUTBOX_RELAY_INTERVAL_SECONDS": "3600",
    }


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def _long_overdue_case(app, world) -> None:
    """A case whose clocks broke in 2020, so the worker's real clock finds it overdue."""
    with app.app_context():
        factories.member(db.session.get(Authority, world.host_a), Role.CHAIR, email=CHAIR_A)
        _case(world.host_a, "LONG-OVERDUE", date(2020, 1, 6))
        db.session.commit()


def test_rq_cron_queues_the_relay_and_the_sweep_and_a_worker_sweeps(app, world, pg_database, redis_server, tmp_path):
    _long_overdue_case(app, world)
    settings = _worker_settings(pg_database, redis_server, tmp_path)
    env = {**os.environ, **settings, "PYTHONPATH": str(ROOT)}
    cron = subprocess.Popen(
        [sys.executable, "-m", "rq.cli", "cron", "app/jobs/cron.py", "--url", redis_server.url],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    queue = Queue(settings["RQ_QUEUE"], connection=Redis.from_url(redis_server.url))
    try:
        # Interval jobs run once at start: the relay and the sweep are both put on the queue.
        wait_for(lambda: queue.count == 2 or cron.poll() is not None)
    finally:
        os.killpg(cron.pid, signal.SIGTERM)
        output = cron.communicate(timeout=20)[0].decode(errors="replace")
    assert sorted(job.func_name for job in queue.get_jobs()) == [
        "app.jobs.worker.relay", "app.jobs.worker.sweep"], output
    _burst(settings)
    with app.app_context():
        queued = _summary(_reminders(world.host_a))
    # Two clocks (inform the provider, hold the initial meeting) broken, told to lead and chair;
    # delivering them is the relay's work, proven in test_outbox.py.
    assert queued == {("LONG-OVERDUE", clock, "overdue", person)
                      for clock in ("inform_provider", "initial_meeting")
                      for person in ("lead@host-a.example", CHAIR_A)}


def _burst(settings) -> str:
    worker = Worker(settings, settings["RQ_QUEUE"], burst=True)
    worker.process.wait(60)
    return worker.stop()


def test_flask_sweep_run_queues_and_delivers_on_the_embedded_default(app, world, tmp_path):
    _long_overdue_case(app, world)
    app.config.update(REDIS_URL="")
    result = app.test_cli_runner().invoke(args=["sweep", "run"])
    assert result.exit_code == 0, result.output
    assert "4 reminder(s) queued, 4 message(s) handed on" in result.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 4
    again = app.test_cli_runner().invoke(args=["sweep", "run"])
    assert "0 reminder(s) queued, 0 message(s) handed on" in again.output


def test_on_the_demo_world_the_sweep_queues_reminders_once(any_app):
    from app.demo.seed import seed_demo

    with any_app.app_context():
        seed_demo("demo-password-2026")
        queued = sweep_once()
        host_ids = db.session.scalars(select(Authority.id).order_by(Authority.id)).all()
        templates = [m.template for tenant_id in host_ids for m in _reminders(tenant_id)]
        assert queued == len(templates) and "deadline_overdue" in templates
        assert sweep_once() == 0

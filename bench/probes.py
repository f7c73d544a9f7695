"""Probes for issue 16: statements per page at two sizes, page times, the reminder sweep and
``flask verify-audit``, on PostgreSQL as the app role (row-level security on).

    .venv/bin/python bench/probes.py [--small 10] [--large 1000] [--events 200000] [--runs 10]

Creates (or recreates) the database ``pcp_bench_probe`` (``--database``) on 127.0.0.1, seeds one host authority
with ``--small`` open cases (each with a lead officer, a placing authority's share, a held
meeting, a risk and an action, and a decision whose clocks are overdue), counts the statements
of the dashboard, a case page, a meeting page (with as many attendees as cases) and the
intelligence board, grows the world to ``--large`` cases and counts again. Then times each
page, the sweep over the open cases (first pass, and a repeat pass that finds every reminder
already queued) and ``flask verify-audit`` over ``--events`` audit events (written in bulk,
chained and hashed as the product does). Exits 1 when a page's statements differ between the
two sizes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from tests.conftest import create_test_database, migrate_up, pg_config  # noqa: E402

NOW = datetime.now(UTC)


@contextmanager
def counted(engine):
    sent = []

    def count(*_args):
        sent.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


class World:
    def __init__(self):
        from app.extensions import db
        from app.tenants.models import Role
        from tests import factories

        self.host = factories.authority("Probe County Council")
        self.location = factories.location(factories.provider("Probe Care Ltd"), self.host)
        factories.member(self.host, Role.LEAD_OFFICER, email="lead@probe.example")
        self.made = 0
        self.first_case = None
        self.meeting = None
        db.session.commit()
        self.host_id = self.host.id

    def grow(self, to: int) -> None:
        from app.cases.models import Decision, DecisionOutcome, Stage
        from app.extensions import db
        from app.meetings.models import MeetingAttendee
        from app.tenants.models import AuthorityKind, Role
        from app.tenants.scoping import Scope, scoped_as
        from tests import factories

        with scoped_as(db.session, Scope(tenant_id=self.host_id)):
            while self.made < to:
                n = self.made = self.made + 1
                lead = factories.member(self.host, Role.LEAD_OFFICER, email=f"lead{n}@probe.example")
                placing = factories.authority(f"Probe placing {n}", kind=AuthorityKind.ICB)
                case = factories.case(self.location, stage=Stage.FINDINGS, reference=f"PR-{n:05d}",
                                      lead_officer_id=lead.id)
                decided = NOW - timedelta(days=40 + n % 40)
                db.session.add(Decision(tenant_id=self.host_id, case_id=case.id, threshold_assessment="t",
                                        outcome=DecisionOutcome.PROCEED, decided_at=decided))
                factories.share(case, placing)
                factories.meeting(case, held_at=decided + timedelta(days=5))
                factories.risk(case)
                factories.action(case, owner_authority=placing)
                if self.first_case is None:
                    self.first_case = case.id
                    self.meeting = factories.meeting(case).id
                db.session.add(MeetingAttendee(tenant_id=self.host_id, meeting_id=self.meeting,
                                               case_id=self.first_case, user_id=lead.id,
                                               authority_id=self.host_id, name=lead.name))
                if n % 200 == 0:
                    db.session.commit()
            db.session.commit()

    def pages(self) -> dict[str, str]:
        base = f"/authorities/{self.host_id}"
        return {
            "dashboard": f"{base}/cases",
            "case page": f"{base}/cases/{self.first_case}",
            "meeting page": f"{base}/cases/{self.first_case}/meetings/{self.meeting}",
            "intelligence board": f"{base}/intelligence",
        }


def statements(app, client, pages: dict[str, str]) -> dict[str, int]:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    found = {}
    for name, path in pages.items():
        client.get(path)
        with counted(engine) as sent:
            assert client.get(path).status_code == 200, path
        found[name] = len(sent)
    return found


def timed_ms(action, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def write_audit_events(host_id: int, count: int) -> None:
    """Append ``count`` events to the host's chain in bulk, hashed and chained as ``record``."""
    from app.audit.models import AuditEvent, AuditHead
    from app.audit.services import GENESIS, audit_key, event_hash
    from app.extensions import db
    from app.tenants.scoping import Scope, scoped_as

    key = audit_key()
    with scoped_as(db.session, Scope(tenant_id=host_id)):
        head = db.session.scalar(select(AuditHead).where(AuditHead.chain == host_id))
        previous = head.head_hash if head else GENESIS
        length = head.length if head else 0
        batch = []
        for n in range(count):
            row = AuditEvent(tenant_id=host_id, actor_user_id=None, actor_authority_id=None,
                             action="probe.event", object_type="Case", object_id=n, case_id=None,
                             old_values=None, new_values={"n": n}, reason=None,
                             created_at=NOW, prev_hash=previous)
            row.hash = previous = event_hash(row, key)
            batch.append({c: getattr(row, c) for c in (
                "tenant_id", "actor_user_id", "actor_authority_id", "action", "object_type",
                "object_id", "case_id", "old_values", "new_values", "reason", "created_at",
                "prev_hash", "hash")})
            if len(batch) == 5000 or n == count - 1:
                db.session.execute(insert(AuditEvent), batch)
                batch = []
        if head is None:
            db.session.add(AuditHead(tenant_id=host_id, chain=host_id, length=count, head_hash=previous))
        else:
            head.length, head.head_hash = length + count, previous
        db.session.commit()


def at_two_sizes(database: str, small_size: int, large_size: int):
    """Create and migrate ``database``, grow the world to ``small_size`` open cases, count each
    page's statements as the host's lead officer, grow it to ``large_size`` and count again.
    Returns the app, the signed-in client, the world, its pages and both counts."""
    from app import create_app
    from app.extensions import db
    from tests.support.clients import sign_in

    create_test_database(database)
    app = create_app({**pg_config(database), "WTF_CSRF_ENABLED": False})
    migrate_up(app)
    with app.app_context():
        world = World()
        world.grow(small_size)
        pages = world.pages()
        db.session.remove()
    client = sign_in(app.test_client(), "lead@probe.example")
    small = statements(app, client, pages)
    started = time.perf_counter()
    with app.app_context():
        world.host = db.session.merge(world.host)
        world.location = db.session.merge(world.location)
        world.grow(large_size)
        db.session.remove()
    print(f"seeded {large_size} cases in {time.perf_counter() - started:.0f} s")
    return app, client, world, pages, small, statements(app, client, pages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database", default="pcp_bench_probe")
    args = parser.parse_args()

    from app.extensions import db
    from app.jobs.sweep import sweep_once

    app, client, world, pages, small, large = at_two_sizes(args.database, args.small, args.large)
    print(f"\nstatements per page (sign-in checks and set_config included) at {args.small} and {args.large} cases:")
    differ = False
    for name in pages:
        flag = "" if small[name] == large[name] else "  <- grows"
        differ |= bool(flag)
        print(f"  {name:<20} {small[name]:>4} {large[name]:>4}{flag}")

    print(f"\npage times at {args.large} cases ({args.runs} runs, in-process test client):")
    for name, path in pages.items():
        median, p95 = timed_ms(lambda path=path: client.get(path), args.runs)
        print(f"  {name:<20} median {median:7.1f} ms  p95 {p95:7.1f} ms")

    with app.app_context():
        engine = db.engine
        for label in ("first pass", "repeat pass"):
            with counted(engine) as sent:
                started = time.perf_counter()
                queued = sweep_once(NOW)
                took = time.perf_counter() - started
            print(f"\nsweep over {args.large} open cases, {label}: {took:.2f} s, "
                  f"{len(sent)} statements, {queued} reminders queued")
            db.session.remove()
        started = time.perf_counter()
        write_audit_events(world.host_id, args.events)
        print(f"\nwrote {args.events} audit events in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    took = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    print(f"flask verify-audit over {args.events}+ events: {took:.2f} s")
    with app.app_context():
        db.engine.dispose()
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()

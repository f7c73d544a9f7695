"""Benchmark: the case dashboard and a case page on PostgreSQL, with many open cases.

    .venv/bin/python bench/dashboard.py [--cases 500] [--runs 20]

Creates (or recreates) the database ``pcp_bench`` on 127.0.0.1 with the owner and app roles,
seeds one host authority with ``--cases`` open cases (decisions and held meetings so every
clock has work to do), then times GET of the dashboard and of one case page through the app,
signed in as a lead officer, row-level security on. Prints the median and the 95th percentile.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import create_test_database, migrate_up, pg_config  # noqa: E402


def seed(cases: int) -> tuple[int, int]:
    from app.cases.models import Decision, DecisionOutcome, Stage
    from app.extensions import db
    from app.meetings.models import Meeting, MeetingKind
    from app.tenants.models import Role
    from app.tenants.scoping import Scope, scoped_as
    from tests import factories

    host = factories.authority("Bench County Council")
    provider = factories.provider("Bench Care Ltd")
    location = factories.location(provider, host)
    factories.member(host, Role.LEAD_OFFICER, email="lead@bench.example")
    now = datetime.now(UTC)
    first = None
    with scoped_as(db.session, Scope(tenant_id=host.id)):
        for n in range(cases):
            case = factories.case(location, stage=Stage.FINDINGS, reference=f"BENCH-{n:05d}")
            first = first or case.id
            decided = now - timedelta(days=10 + n % 40)
            db.session.add(Decision(tenant_id=host.id, case_id=case.id, threshold_assessment="t",
                                    outcome=DecisionOutcome.PROCEED, decided_at=decided))
            db.session.add(Meeting(tenant_id=host.id, case_id=case.id, kind=MeetingKind.INITIAL,
                                   scheduled_for=decided, held_at=decided + timedelta(days=5)))
        db.session.commit()
    return host.id, first


def timed(client, path: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{name}: median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms ({len(ordered)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from app import create_app
    from app.extensions import db
    from tests.support.clients import sign_in

    create_test_database("pcp_bench")
    app = create_app({**pg_config("pcp_bench"), "WTF_CSRF_ENABLED": False})
    migrate_up(app)
    with app.app_context():
        host_id, case_id = seed(args.cases)
        db.session.remove()
    client = app.test_client()
    sign_in(client, "lead@bench.example")
    timed(client, f"/authorities/{host_id}/cases", 2)  # warm up
    report(f"dashboard with {args.cases} open cases", timed(client, f"/authorities/{host_id}/cases", args.runs))
    report("one case page", timed(client, f"/authorities/{host_id}/cases/{case_id}", args.runs))
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()

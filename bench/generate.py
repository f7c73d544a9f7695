"""The scale world of issue 16, written with COPY: a platform of 150 authorities.

    .venv/bin/python bench/generate.py [--database pcp_bench_scale] [--authorities 150]
        [--providers 2000] [--cases 10000] [--residents 300000] [--risks 100000]
        [--actions 100000] [--audit 1000000] [--wide-share 30]

(Re)creates the database on 127.0.0.1 with the owner and app roles, migrates it, then writes
as the owner role (which row-level security does not bind): authorities (two thirds councils,
one third ICBs) each with a lead officer (``lead<n>@scale.example``, password ``PASSWORD`` of
tests/factories.py), providers with one location each hosted round the authorities, cases
spread over every stage, each with a decision, a held meeting and one to three placing
authorities' shares (the first case shared with ``--wide-share`` of them), residents placed
by other authorities or self-funding, risks and actions, and ``--audit`` audit events chained
and keyed per authority exactly as the product chains them (``flask verify-audit`` passes).
Each case's stored next deadline is spread round today (some overdue), as the key dates
would store it; ``--refresh`` recomputes every case's key dates with the product's clocks
instead (slow: minutes at 10,000 cases).

Prints the time of each step and the total. Target: under 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = datetime.now(UTC).replace(microsecond=0)
STAGES = ["decision", "initial_meeting", "findings", "update_meetings", "quality_assurance",
          "closing", "closed"]
KEY_QUESTIONS = ["safe", "effective", "caring", "responsive", "well_led"]
FUNDING = ["local_authority", "icb_continuing_health_care", "joint", "section_117", "other"]


class Timer:
    def __init__(self):
        self.started = self.last = time.perf_counter()

    def step(self, what: str) -> None:
        now = time.perf_counter()
        print(f"  {what:<44} {now - self.last:6.1f} s", flush=True)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.started


def copy_rows(conn, table: str, columns: list[str], rows) -> int:
    """COPY ``rows`` (an iterable of tuples) into ``table``; return how many."""
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def reset_sequences(conn, tables: list[str]) -> None:
    for table in tables:
        conn.execute(f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"coalesce((select max(id) from {table}), 1))")


def authorities(conn, count: int, password_hash: str) -> None:
    copy_rows(conn, "authority", ["id", "name", "code", "kind", "active", "oidc_emails_verified", "created_at"], (
        (n, f"Scale {'County Council' if n % 3 else 'ICB'} {n}", f"S{n:08d}",
         "icb" if n % 3 == 0 else "local_authority", True, False, NOW) for n in range(1, count + 1)))
    copy_rows(conn, "user_account", ["id", "email", "name", "realm", "password_hash", "is_platform_admin",
                                     "active", "created_at"], (
        (n, f"lead{n}@scale.example", f"Lead Officer {n}", "staff", password_hash, False, True, NOW)
        for n in range(1, count + 1)))
    copy_rows(conn, "membership", ["id", "user_id", "roles_text", "active", "tenant_id", "created_at"], (
        (n, n, " coordinator lead_officer ", True, n, NOW) for n in range(1, count + 1)))


def providers(conn, count: int, hosts: int) -> None:
    copy_rows(conn, "provider", ["id", "name", "cqc_provider_id", "active", "created_at"], (
        (n, f"Scale Care {n} Ltd", f"1-{n:09d}", True, NOW) for n in range(1, count + 1)))
    copy_rows(conn, "location", ["id", "provider_id", "host_authority_id", "name", "cqc_location_id",
                                 "address_line_1", "town", "postcode", "created_at"], (
        (n, n, host_of_location(n, hosts), f"Scale House {n}", f"1-{n:010d}", f"{n} High Street",
         "Scaleton", "SC1 1AA", NOW) for n in range(1, count + 1)))


def host_of_location(location: int, hosts: int) -> int:
    return (location - 1) % hosts + 1


def cases(conn, count: int, locations: int, hosts: int, wide_share: int, rng: random.Random) -> None:
    def case_rows():
        for n in range(1, count + 1):
            location = (n - 1) % locations + 1
            host = host_of_location(location, hosts)
            stage = STAGES[n % len(STAGES)]
            opened = NOW - timedelta(days=rng.randint(5, 400))
            due = NOW + timedelta(days=rng.randint(-30, 60), hours=rng.randint(0, 23))
            yield (n, host, f"GEN-{n:05d}", location, location, f"Scale concern {n}", "", stage,
                   opened, NOW if stage == "closed" else None, host, " ", "", "", False, "",
                   None if stage == "closed" else due, False, NOW)

    copy_rows(conn, "cases", ["id", "tenant_id", "reference", "provider_id", "location_id", "title", "summary",
                              "stage", "opened_at", "closed_at", "lead_officer_id", "themes",
                              "provider_informed_how", "provider_informed_backdate_reason",
                              "provider_kept_out", "plan_received_how", "next_due_at",
                              "owes_after_closing", "created_at"], case_rows())
    copy_rows(conn, "case_decision", ["id", "case_id", "threshold_assessment", "recommendation", "outcome",
                                      "reason", "decided_at", "tenant_id", "created_at"], (
        (n, n, "Threshold met", "", "proceed", "", NOW - timedelta(days=rng.randint(1, 300)),
         host_of_location((n - 1) % locations + 1, hosts), NOW) for n in range(1, count + 1)))
    copy_rows(conn, "meeting", ["id", "case_id", "kind", "scheduled_for", "part_one_ends_at",
                                "part_two_starts_at", "part_two_ends_at", "venue", "held_at",
                                "agenda_part_one", "agenda_part_two", "minutes_part_one",
                                "minutes_part_two", "part_one_shared_with_placing",
                                "part_two_shared_with_placing", "part_two_shared_with_provider",
                                "decisions", "minutes_final", "sustainability_rationale",
                                "tenant_id", "created_at"], meeting_rows(count, locations, hosts, rng))

    def share_rows():
        n = 0
        for case in range(1, count + 1):
            host = host_of_location((case - 1) % locations + 1, hosts)
            wanted = wide_share if case == 1 else rng.randint(1, 3)
            placing = [a for a in rng.sample(range(1, hosts + 1), min(hosts, wanted + 1)) if a != host][:wanted]
            for authority in placing:
                n += 1
                yield (n, case, authority, NOW - timedelta(days=3), host, NOW)

    copy_rows(conn, "case_share", ["id", "case_id", "placing_authority_id", "alerted_at", "tenant_id",
                                   "created_at"], share_rows())


def meeting_rows(count: int, locations: int, hosts: int, rng: random.Random):
    for n in range(1, count + 1):
        held = NOW - timedelta(days=rng.randint(1, 200))
        yield (n, n, "initial", held, held + timedelta(hours=1), held + timedelta(hours=1),
               held + timedelta(hours=2), "Council offices", held, "", "", "Part one notes.",
               "Part two notes.", False, True, True, "", True, "",
               host_of_location((n - 1) % locations + 1, hosts), NOW)


def residents(conn, count: int, locations: int, hosts: int, rng: random.Random) -> None:
    def rows():
        for n in range(1, count + 1):
            location = rng.randint(1, locations)
            host = host_of_location(location, hosts)
            placing = rng.randint(1, hosts) if n % 10 else None  # one in ten funds itself
            funding = rng.choice(FUNDING) if placing else "self_funded"
            yield (n, location, placing, funding, f"Given{n}", f"Family{n}",
                   date(1930, 1, 1) + timedelta(days=n % 20000), f"Room {n % 60 + 1}",
                   NOW - timedelta(days=n % 900), host, NOW)

    copy_rows(conn, "resident", ["id", "location_id", "placing_authority_id", "funding", "given_name",
                                 "family_name", "date_of_birth", "room", "moved_in_on", "tenant_id",
                                 "created_at"], rows())


def risks_and_actions(conn, risks: int, actions: int, cases_count: int, locations: int, hosts: int,
                      rng: random.Random) -> None:
    def host_of_case(case: int) -> int:
        return host_of_location((case - 1) % locations + 1, hosts)

    copy_rows(conn, "risk", ["id", "case_id", "title", "description", "key_question", "likelihood", "impact",
                             "mitigation", "owner_name", "tenant_id", "created_at"], (
        (n, case, f"Risk {n}", "", KEY_QUESTIONS[n % 5], rng.randint(1, 5), rng.randint(1, 5), "", "",
         host_of_case(case), NOW)
        for n, case in ((n, (n - 1) % cases_count + 1) for n in range(1, risks + 1))))
    copy_rows(conn, "case_action", ["id", "case_id", "description", "owner_kind", "owner_user_id",
                                    "owner_agency", "due_on", "status", "completion_note", "tenant_id",
                                    "created_at"], (
        (n, case, f"Action {n}", "user", host_of_case(case), "",
         (NOW + timedelta(days=rng.randint(-20, 40))).date(), "open", "", host_of_case(case), NOW)
        for n, case in ((n, (n - 1) % cases_count + 1) for n in range(1, actions + 1))))


def audit(conn, count: int, hosts: int, key: bytes) -> None:
    """Write ``count`` events round the authorities' chains, hashed as app.audit does."""
    from app.audit.services import GENESIS, event_hash

    heads = {chain: (GENESIS, 0) for chain in range(1, hosts + 1)}

    def rows():
        for n in range(1, count + 1):
            chain = (n - 1) % hosts + 1
            previous, length = heads[chain]
            event = SimpleNamespace(
                tenant_id=chain, actor_user_id=chain, actor_authority_id=chain, action="case.updated",
                object_type="Case", object_id=n, case_id=None, old_values=None,
                new_values={"n": n}, reason=None, created_at=NOW, prev_hash=previous)
            digest = event_hash(event, key)
            heads[chain] = (digest, length + 1)
            yield (n, chain, chain, chain, "case.updated", "Case", n, None, f'{{"n": {n}}}', None, NOW,
                   previous, digest)

    copy_rows(conn, "audit_event", ["id", "tenant_id", "actor_user_id", "actor_authority_id", "action",
                                    "object_type", "object_id", "case_id", "new_values", "reason",
                                    "created_at", "prev_hash", "hash"], rows())
    copy_rows(conn, "audit_head", ["id", "tenant_id", "chain", "length", "head_hash", "updated_at"], (
        (chain, chain, chain, length, head, NOW) for chain, (head, length) in heads.items() if length))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="pcp_bench_scale")
    parser.add_argument("--authorities", type=int, default=150)
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--residents", type=int, default=300_000)
    parser.add_argument("--risks", type=int, default=100_000)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--wide-share", type=int, default=30)
    parser.add_argument("--refresh", action="store_true", help="recompute key dates with the product's clocks")
    args = parser.parse_args()

    import psycopg

    from app import create_app
    from app.auth.passwords import hash_password
    from tests.conftest import create_test_database, migrate_up, pg_config
    from tests.factories import PASSWORD
    from tests.support.services import OWNER_ROLE, url

    rng = random.Random(2026)
    timer = Timer()
    create_test_database(args.database)
    app = create_app(pg_config(args.database))
    migrate_up(app)
    timer.step("database created and migrated")
    with app.app_context():
        password_hash = hash_password(PASSWORD)
        key = app.config["AUDIT_HMAC_KEY"].encode()
    with psycopg.connect(url(OWNER_ROLE, args.database).replace("+psycopg", "")) as conn:
        authorities(conn, args.authorities, password_hash)
        timer.step(f"{args.authorities} authorities, their lead officers")
        providers(conn, args.providers, args.authorities)
        timer.step(f"{args.providers} providers and locations")
        cases(conn, args.cases, args.providers, args.authorities, args.wide_share, rng)
        timer.step(f"{args.cases} cases, decisions, meetings, shares")
        residents(conn, args.residents, args.providers, args.authorities, rng)
        timer.step(f"{args.residents} residents")
        risks_and_actions(conn, args.risks, args.actions, args.cases, args.providers, args.authorities, rng)
        timer.step(f"{args.risks} risks and {args.actions} actions")
        audit(conn, args.audit, args.authorities, key)
        timer.step(f"{args.audit} audit events, chained")
        reset_sequences(conn, ["authority", "user_account", "membership", "provider", "location", "cases",
                               "case_decision", "meeting", "case_share", "resident", "risk", "case_action",
                               "audit_event", "audit_head"])
        conn.execute("analyze")
        timer.step("sequences and statistics")
    if args.refresh:
        result = app.test_cli_runner().invoke(args=["refresh-key-dates"])
        assert result.exit_code == 0, result.output
        timer.step("key dates recomputed")
    print(f"generated in {timer.total():.0f} s; sign in as lead1@scale.example")


if __name__ == "__main__":
    main()

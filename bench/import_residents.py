"""Time importing the provider's list of people (issue 12): a CSV of ``--rows`` people, on
PostgreSQL as the app role (row-level security on), through the pages a person uses.

    .venv/bin/python bench/import_residents.py [--rows 5000] [--authorities 30]

Creates (or recreates) the database ``pcp_bench_import`` (``--database``), seeds one host with
a location and ``--authorities`` placing authorities, writes a CSV mixing self-funders,
placed, jointly funded people, then times the upload (read and check every row, keep the file),
the preview, and the import (check again, one bulk insert, commit). Exits 1 when the upload
and import together take 10 seconds or more, or when not every row arrived.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import create_test_database, migrate_up, pg_config  # noqa: E402

FUNDING = ("Local authority", "ICB continuing health care", "Section 117 aftercare", "Other")


def csv_of(rows: int, authorities: list[str]) -> bytes:
    lines = ["First name,Last name,Date of birth,Room or address,Funding,Placing authority,"
             "Second funder,Placing authority reference,Date moved in"]
    for n in range(rows):
        placing = authorities[n % len(authorities)]
        if n % 10 == 0:
            funding, placing, joint = "Self-funded", "", ""
        elif n % 10 == 1:
            funding, joint = "Joint council and ICB", authorities[(n + 1) % len(authorities)]
        else:
            funding, joint = FUNDING[n % len(FUNDING)], ""
        lines.append(f"Person{n},Bench,{1 + n % 28:02d}/{1 + n % 12:02d}/{1930 + n % 60},"
                     f"Room {n},{funding},{placing},{joint},REF-{n},01/06/2024")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--authorities", type=int, default=30)
    parser.add_argument("--database", default="pcp_bench_import")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.residents.models import Resident
    from app.tenants.models import Role
    from app.tenants.scoping import Scope, scoped_as
    from tests import factories
    from tests.support.clients import sign_in

    create_test_database(args.database)
    app = create_app({**pg_config(args.database), "WTF_CSRF_ENABLED": False,
                      "FILE_STORAGE_DIR": f"/tmp/{args.database}-files"})
    migrate_up(app)
    with app.app_context():
        host = factories.authority("Bench County Council")
        location = factories.location(factories.provider("Bench Care Ltd"), host)
        names = [factories.authority(f"Placing Council {n}").name for n in range(args.authorities)]
        factories.member(host, Role.LEAD_OFFICER, email="lead@bench.example")
        db.session.commit()
        host_id, location_id = host.id, location.id
        db.session.remove()
    data = csv_of(args.rows, names)
    client = app.test_client()
    sign_in(client, "lead@bench.example")
    base = f"/authorities/{host_id}/residents/import"

    started = time.perf_counter()
    upload = client.post(base, data={"location_id": str(location_id), "upload": (io.BytesIO(data), "list.csv")},
                         content_type="multipart/form-data")
    checked = time.perf_counter()
    preview = client.get(f"{base}/preview")
    previewed = time.perf_counter()
    done = client.post(f"{base}/confirm")
    imported = time.perf_counter()
    assert upload.status_code == 302 and preview.status_code == 200 and done.status_code == 302

    with app.app_context(), scoped_as(db.session, Scope(tenant_id=host_id, reads_residents=True)):
        count = db.session.scalar(select(func.count()).select_from(Resident))
    total = (checked - started) + (imported - previewed)
    print(f"{args.rows:,} rows ({len(data) / 1024:.0f} KiB CSV), {args.authorities} placing authorities, PostgreSQL as the app role")
    print(f"upload and check: {checked - started:.2f} s")
    print(f"preview:          {previewed - checked:.2f} s")
    print(f"import (check again, bulk insert, commit): {imported - previewed:.2f} s")
    print(f"upload + import:  {total:.2f} s; residents in the register: {count:,}")
    sys.exit(0 if total < 10 and count == args.rows else 1)


if __name__ == "__main__":
    main()

"""The coverage table downloaded as CSV (safe in a spreadsheet) and printed in the host's Word
agenda, for the chair to read aloud; never in a placing authority's copy."""

from __future__ import annotations

import csv
import io
from datetime import date

from app.cases.models import Case
from app.extensions import db
from app.placing.reviews import ResidentReview
from app.residents.models import Resident
from app.tenants.models import Authority, Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import sign_in
from tests.support.word import all_text, open_docx

HOSTILE = '=HYPERLINK("http://evil.example","Click") Council'


def _csv_path(world, authority=None):
    return f"/authorities/{authority or world.host_a}/cases/{world.case_a}/placing-authorities.csv"


def _hostile_authority_with_a_reviewed_resident(world) -> None:
    hostile = factories.authority(HOSTILE)
    with scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        location = db.session.get(Resident, world.resident_a_self_funder).location
        resident = factories.resident(location, hostile)
        case = db.session.get(Case, world.case_a)
        factories.share(case, hostile)
        opened = case.opened_at.date()
    with scoped_as(db.session, Scope(tenant_id=hostile.id, reads_residents=True)):
        db.session.add(ResidentReview(tenant_id=hostile.id, resident_id=resident.id,
                                      host_authority_id=world.host_a, reviewed_on=max(opened, date.today()),
                                      outcome="Fine", needs_met="yes", dols_status="not_needed",
                                      person_and_family_told="yes"))
        db.session.flush()
    db.session.commit()


def test_the_csv_lists_each_authority_and_the_self_funders_with_formulas_defused(app, world):
    with app.app_context():
        _hostile_authority_with_a_reviewed_resident(world)
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    response = host.get(_csv_path(world))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="coverage-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Placing authority", "Residents", "Reviewed since the case opened", "State"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["'" + HOSTILE][1:4] == ["1", "1 of 1", "Alerted, not acknowledged"]
    assert HOSTILE not in by_name  # never a cell a spreadsheet would run
    assert by_name["Placing Shared Council"][1] == "1" and by_name["Placing Unshared ICB"][3] == "Not alerted"
    assert by_name["Self-funders (the host is responsible)"][1] == "1"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_only_the_hosts_resident_readers_download_it(app, world):
    with app.app_context():
        viewer = factories.member(db.session.get(Authority, world.host_a), Role.VIEWER).email
        db.session.commit()
    for email, authority, status in ((viewer, world.host_a, 403),
                                     (world.users["placing_shared_lead"], world.placing_shared, 403),
                                     (world.users["placing_unshared_lead"], world.placing_unshared, 404),
                                     (world.users["host_b_lead"], world.host_b, 404)):
        client = sign_in(app.test_client(), email)
        response = client.get(_csv_path(world, authority))
        assert response.status_code == status, email
        assert "Placing authority" not in response.get_data(as_text=True)


def test_the_hosts_agenda_carries_the_table_and_a_placing_authoritys_copy_does_not(app, world):
    with app.app_context():
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            meeting_id = factories.meeting(db.session.get(Case, world.case_a)).id
        db.session.commit()
    path = f"/authorities/{{}}/cases/{world.case_a}/meetings/{meeting_id}/agenda.docx"
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    text = all_text(open_docx(host.get(path.format(world.host_a)).data))
    assert "Placing authorities: coverage" in text
    assert "Placing Unshared ICB" in text and "Self-funders (the host is responsible)" in text
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    response = placing.get(path.format(world.placing_shared))
    assert response.status_code == 200
    text = all_text(open_docx(response.data))
    assert "Placing authorities: coverage" not in text and "Placing Unshared ICB" not in text

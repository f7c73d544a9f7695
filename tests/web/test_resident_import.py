"""Importing the provider's list of people: a preview, an error per bad row, and nothing in the
register until the whole file is right; CSV and Excel alike, recognised from their bytes."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.residents.importing import MAX_IMPORT_BYTES
from app.residents.models import Funding, Resident
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in

HEADER = ("First name,Last name,Date of birth,Room or address,Funding,Placing authority,"
          "Second funder,Placing authority reference,Date moved in")
GOOD = [
    "Ada,Imported,27/03/1941,Room 1,Self-funded,,,,01/02/2024",
    "Bert,Imported,1939-12-01,Room 2,Local authority,Placing Shared Council,,PS-1,",
    "Cora,Imported,,Room 3,Joint council and ICB,Placing Shared Council,Placing Unshared ICB,,",
]


def _location(app, world) -> int:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        return db.session.get(Resident, world.resident_a_self_funder).location_id


def _imported(app, world) -> list[Resident]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        rows = db.session.scalars(select(Resident).where(Resident.family_name == "Imported")
                                  .order_by(Resident.given_name)).all()
        db.session.expunge_all()
        return list(rows)


def _upload(app, world, client, data: bytes, filename: str = "list.csv"):
    path = f"/authorities/{world.host_a}/residents/import"
    return client.post(path, data={"csrf_token": csrf_token(client, path),
                                   "location_id": str(_location(app, world)),
                                   "upload": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _confirm(world, client):
    upload = f"/authorities/{world.host_a}/residents/import"
    return client.post(f"{upload}/confirm", data={"csrf_token": csrf_token(client, upload)})


def _csv(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode()


def test_a_right_file_is_previewed_then_imported_whole(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    response = _upload(app, world, host, _csv(*GOOD))
    assert response.status_code == 302
    assert _imported(app, world) == []
    preview = host.get(f"/authorities/{world.host_a}/residents/import/preview").get_data(as_text=True)
    for shown in ("3 people will be added", "Ada Imported", "27 March 1941", "Self-funded",
                  "Placing Shared Council and Placing Unshared ICB", "Nothing has been added yet"):
        assert shown in preview, shown
    assert _confirm(world, host).status_code == 302
    people = _imported(app, world)
    assert [(p.given_name, p.funding, p.placing_authority_id, p.joint_funder_id) for p in people] == [
        ("Ada", Funding.SELF_FUNDED, None, None),
        ("Bert", Funding.LOCAL_AUTHORITY, world.placing_shared, None),
        ("Cora", Funding.JOINT, world.placing_shared, world.placing_unshared),
    ]
    assert people[0].moved_in_on.isoformat() == "2024-02-01"
    assert people[1].placing_reference == "PS-1"
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resident.imported"))
        assert event.new_values["people"] == 3
    # The stored file is spent: confirming again imports nothing more.
    _confirm(world, host)
    assert len(_imported(app, world)) == 3


def test_each_bad_row_is_reported_and_nothing_is_imported(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    rows = [*GOOD,
            ",Imported,01/01/1950,,Self-funded,,,,",
            "Eve,Imported,31/02/1950,,Self-funded,,,,",
            "Fay,Imported,,,Lottery,,,,",
            "Gil,Imported,,,Local authority,Nowhere Council,,,",
            "Hal,Imported,,,Self-funded,Placing Shared Council,,,"]
    response = _upload(app, world, host, _csv(*rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "There is a problem with 5 rows" in page
    for expected in ("Row 5, First name: Enter the person&#39;s first name",
                     "Row 6, Date of birth: Date of birth must be a real date",
                     "Row 7, Funding: Funding must be one of",
                     "Row 8, Placing authority: Placing authority &#39;Nowhere Council&#39; is not an authority",
                     "Row 9, Placing authority: A self-funder has no placing authority"):
        assert expected in page, expected
    assert 'href="#import-error-1"' in page and 'id="import-error-5"' in page
    assert _imported(app, world) == []
    assert host.get(f"/authorities/{world.host_a}/residents/import/preview").status_code == 302


def test_an_excel_workbook_is_read_like_a_csv(app, world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["Ida", "Imported", None, 7, "Section 117 aftercare", "Placing Unshared ICB", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    # The name says CSV: the bytes say Excel, and the bytes decide.
    assert _upload(app, world, host, buffer.getvalue(), "list.csv").status_code == 302
    _confirm(world, host)
    [ida] = _imported(app, world)
    assert (ida.room, ida.funding, ida.placing_authority_id) == ("7", Funding.SECTION_117, world.placing_unshared)


def test_a_file_that_is_not_a_list_is_refused_whatever_its_name(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    for data, message in ((b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "must be a CSV or an Excel"),
                          (b"Given,Family\nA,B\n", "missing First name, Last name, Funding"),
                          (b"", "The selected file is empty"),
                          (_csv("Ada,Imported,,,Self-funded,,,,").decode().encode("utf-16"), "must be a CSV or an Excel")):
        page = _upload(app, world, host, data, "list.xlsx").get_data(as_text=True)
        assert "govuk-error-summary" in page and message in page, message
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        assert db.session.scalar(select(func.count()).select_from(Resident)
                                 .where(Resident.family_name == "Imported")) == 0


def test_a_file_over_the_limit_is_refused_while_read(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    big = _csv(*GOOD) + b"x" * MAX_IMPORT_BYTES
    page = _upload(app, world, host, big).get_data(as_text=True)
    assert "must be smaller than 5MB" in page
    assert _imported(app, world) == []


def test_only_host_staff_who_edit_cases_and_read_residents_import(app, world):
    for user, authority in (("host_a_viewer", world.host_a), ("placing_shared_lead", world.placing_shared)):
        client = sign_in(app.test_client(), world.users[user])
        assert client.get(f"/authorities/{authority}/residents/import").status_code == 403, user

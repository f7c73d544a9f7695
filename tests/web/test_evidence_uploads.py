"""Evidence files over both storage back-ends (a local folder, and S3 over HTTP against moto's
server in a process of its own): uploads streamed and checked from their content, refusals that
leave nothing behind, the host's review, and downloads with safe headers."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from app.plans.downloads import content_disposition
from app.storage import make_storage
from tests import provider_records
from tests.support.clients import csrf_token, sign_in
from tests.support.s3 import S3Server

ITEM = {"area": "safe", "action": "Retrain night staff in moving and handling",
        "lead": "Deputy manager", "target_on": ["27", "3", "2027"],
        "evidence_required": "Training records", "rag": "amber"}
LIMIT = 1024 * 1024
PDF = b"%PDF-1.7\n" + os.urandom(300 * 1024) + b"\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + os.urandom(200 * 1024)
REFUSED_TYPE = "The selected file must be a PDF, Word, Excel, CSV, PNG or JPEG file"


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture(params=["local", "s3"])
def backend(request, app, tmp_path):
    """The app configured for one storage back-end; yields that back-end, for its listing."""
    app.config["EVIDENCE_MAX_BYTES"] = LIMIT
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        app.config.update(server.config(f"evidence-{os.urandom(6).hex()}"))
    else:
        app.config.update(FILE_STORAGE="local", FILE_STORAGE_DIR=str(tmp_path / "files"))
    return make_storage(app.config)


def _plan_path(world, rest=""):
    return f"/provider/cases/{world.case_a}/plan{rest}"


def _provider_with_item(app, world, who="provider_a_manager"):
    provider_records.build(app, world)
    provider = sign_in(app.test_client(), world.users[who], provider=True)
    path = _plan_path(world, "/items/new")
    assert provider.post(path, data={**ITEM, "csrf_token": csrf_token(provider, path)}).status_code == 302
    with app.app_context():
        from app.extensions import db
        from app.tenants.scoping import Scope, scoped_as

        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            item_id = db.session.execute(text("select id from plan_item")).scalar()
    return provider, item_id


def _upload(client, world, item_id, content: bytes, name: str):
    path = _plan_path(world, f"/items/{item_id}/evidence")
    return client.post(path, data={"csrf_token": csrf_token(client, path),
                                   "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _records(owner_engine) -> list[tuple]:
    with owner_engine.connect() as conn:
        return conn.execute(text(
            "select original_name, size, sha256, kind, status, storage_key from evidence_file "
            "order by id")).all()


def _refused(response, message):
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in body and message in body
    assert 'href="#file"' in body


def test_a_valid_file_is_stored_under_a_generated_name_with_its_checksum(
        app, world, backend, owner_engine):
    provider, item_id = _provider_with_item(app, world)
    response = _upload(provider, world, item_id, PDF, "../Training <records>.pdf")
    assert response.status_code == 302
    [(name, size, sha256, kind, status, key)] = _records(owner_engine)
    assert (name, size, sha256, kind, status) == (
        "Training <records>.pdf", len(PDF), hashlib.sha256(PDF).hexdigest(), "pdf", "waiting")
    assert backend.keys() == [key] and key.startswith("evidence/") and "Training" not in key
    assert b"".join(backend.read(key)) == PDF
    page = provider.get(_plan_path(world)).get_data(as_text=True)
    assert "Training &lt;records&gt;.pdf" in page and "Waiting for review" in page


def test_the_host_reviews_each_file_and_the_provider_sees_the_outcome(
        app, world, backend, owner_engine):
    provider, item_id = _provider_with_item(app, world)
    _upload(provider, world, item_id, PDF, "first.pdf")
    _upload(provider, world, item_id, PDF[:1000] + b"x", "second.pdf")
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    page_path = f"/authorities/{world.host_a}/cases/{world.case_a}/plan/evidence"
    page = host.get(page_path).get_data(as_text=True)
    assert "first.pdf" in page and "second.pdf" in page
    with owner_engine.connect() as conn:
        first, second = conn.execute(text("select id from evidence_file order by id")).scalars()
    token = csrf_token(host, page_path)
    no_reason = host.post(f"{page_path}/{second}/review",
                          data={f"evidence-{second}-outcome": "rejected",
                                f"evidence-{second}-csrf_token": token})
    body = no_reason.get_data(as_text=True)
    assert no_reason.status_code == 400
    assert "Enter a comment to say why the file is rejected" in body
    assert f'href="#evidence-{second}-comment"' in body
    for evidence_id, outcome, comment in ((first, "accepted", ""),
                                          (second, "rejected", "NOT-SIGNED-OFF")):
        assert host.post(f"{page_path}/{evidence_id}/review",
                         data={f"evidence-{evidence_id}-outcome": outcome,
                               f"evidence-{evidence_id}-comment": comment,
                               f"evidence-{evidence_id}-csrf_token": token}).status_code == 302
    assert [row[4] for row in _records(owner_engine)] == ["accepted", "rejected"]
    page = provider.get(_plan_path(world)).get_data(as_text=True)
    assert "Accepted" in page and "Rejected" in page and "NOT-SIGNED-OFF" in page
    with owner_engine.connect() as conn:
        audited = conn.execute(text("select action from audit_event where action like "
                                    "'evidence.%' order by id")).scalars().all()
    assert audited == ["evidence.accepted", "evidence.rejected"]


def test_downloads_are_attachments_under_a_safe_name_and_never_sniffed(
        app, world, backend, owner_engine):
    provider, item_id = _provider_with_item(app, world)
    _upload(provider, world, item_id, PDF, "Plan «final» <script>.pdf")
    [row] = _records(owner_engine)
    with owner_engine.connect() as conn:
        evidence_id = conn.execute(text("select id from evidence_file")).scalar()
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    for client, path in (
        (provider, _plan_path(world, f"/evidence/{evidence_id}")),
        (host, f"/authorities/{world.host_a}/cases/{world.case_a}/plan/evidence/{evidence_id}"),
        (placing, f"/authorities/{world.placing_shared}/cases/{world.case_a}/plan/evidence/"
                  f"{evidence_id}"),
    ):
        response = client.get(path)
        assert response.status_code == 200 and response.get_data() == PDF
        disposition = response.headers["Content-Disposition"]
        assert disposition == ('attachment; filename="Plan final _script_.pdf"; '
                               "filename*=UTF-8''Plan%20%C2%ABfinal%C2%BB%20%3Cscript%3E.pdf")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "application/pdf"
        assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("content, name", [
    (EXECUTABLE, "minutes.pdf"),
    (b"\x7fELF\x02\x01\x01" + os.urandom(5000), "records.docx"),
    (b"PK\x03\x04" + os.urandom(5000), "archive.xlsx"),
    (b"name,date\r\n\x00\x01binary", "list.csv"),
])
def test_a_file_whose_content_is_not_an_allowed_type_is_refused(
        app, world, backend, owner_engine, content, name):
    provider, item_id = _provider_with_item(app, world)
    _refused(_upload(provider, world, item_id, content, name), REFUSED_TYPE)
    assert backend.keys() == [] and _records(owner_engine) == []
    assert _upload(provider, world, item_id, PDF, "real.pdf").status_code == 302
    assert len(backend.keys()) == 1 and len(_records(owner_engine)) == 1


@pytest.mark.parametrize("size", [LIMIT + 1, 2 * LIMIT])
def test_an_oversized_file_is_refused(app, world, backend, owner_engine, size):
    # LIMIT + 1 fits the body's allowance: the count while streaming refuses it. Twice the
    # limit is refused from the Content-Length, before the body is read.
    provider, item_id = _provider_with_item(app, world)
    big = b"%PDF-1.7\n" + b"0" * (size - 9)
    _refused(_upload(provider, world, item_id, big, "big.pdf"),
             "The selected file must be smaller than 1 MB")
    assert backend.keys() == [] and _records(owner_engine) == []
    assert _upload(provider, world, item_id, PDF, "real.pdf").status_code == 302
    assert len(backend.keys()) == 1


def test_office_csv_and_images_are_taken(app, world, backend, owner_engine):
    import docx

    document = docx.Document()
    document.add_paragraph("Training log")
    word = io.BytesIO()
    document.save(word)
    provider, item_id = _provider_with_item(app, world)
    for content, name in ((word.getvalue(), "log.docx"),
                          ("name,trained on\r\nAnn Example,2 March 2026\r\n£5\r\n".encode(),
                           "list.csv"),
                          (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "photo.png"),
                          (b"\xff\xd8\xff\xe0" + os.urandom(2000), "photo.jpg")):
        assert _upload(provider, world, item_id, content, name).status_code == 302, name
    assert [row[3] for row in _records(owner_engine)] == ["docx", "csv", "png", "jpg"]


def test_no_file_chosen_is_asked_for(app, world, backend, owner_engine):
    provider, item_id = _provider_with_item(app, world)
    _refused(_upload(provider, world, item_id, b"", ""), "Select a file")
    assert backend.keys() == [] and _records(owner_engine) == []


@contextmanager
def _live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _cut_off_upload(port, client, world, item_id, sent: int, claimed: int) -> bytes:
    """Send an upload whose Content-Length promises ``claimed`` bytes of file, stop after
    ``sent`` and close our side; return what the server answered."""
    path = _plan_path(world, f"/items/{item_id}/evidence")
    token = csrf_token(client, path)
    cookie = client.get_cookie("pcp_session", domain="portal.test")
    boundary = "cutoffboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"cut.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    content = (b"%PDF-1.7\n" + b"1" * claimed)[:claimed]
    request = (f"POST {path} HTTP/1.1\r\nHost: portal.test\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
               f"Content-Length: {len(head) + claimed + len(tail)}\r\n"
               f"Cookie: pcp_session={cookie.value}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request + head + content[:sent])
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_file_cut_off_mid_stream_leaves_nothing(app, world, backend, owner_engine):
    # Larger than one S3 part, so that a part was already sent when the body stops.
    app.config["EVIDENCE_MAX_BYTES"] = 20 * LIMIT
    provider, item_id = _provider_with_item(app, world)
    with _live(app) as port:
        answer = _cut_off_upload(port, provider, world, item_id, sent=9 * LIMIT,
                                 claimed=12 * LIMIT)
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 400 " in status_line
    assert b"govuk-error-summary" in rest and b"the upload was interrupted" in rest
    assert backend.keys() == [] and _records(owner_engine) == []
    assert _upload(provider, world, item_id, PDF, "whole.pdf").status_code == 302
    assert len(backend.keys()) == 1 and len(_records(owner_engine)) == 1


@pytest.mark.parametrize("name, expected", [
    ('a"b\r\nSet-Cookie: x=1.pdf', 'attachment; filename="a_bSet-Cookie_ x_1.pdf"; '
                                    "filename*=UTF-8''a%22bSet-Cookie%3A%20x%3D1.pdf"),
    ("..", 'attachment; filename="evidence"; filename*=UTF-8\'\'evidence'),
    ("réunion/../notes.csv", 'attachment; filename="reunion_.._notes.csv"; '
                             "filename*=UTF-8''r%C3%A9union_.._notes.csv"),
])
def test_content_disposition_never_carries_a_raw_name(name, expected):
    assert content_disposition(name) == expected


def test_an_upload_without_its_csrf_token_keeps_nothing(app, world, backend, owner_engine):
    # The upload view parses its own body (so the global CSRF check is off there): the form's
    # token is checked instead, and a missing or wrong one stores nothing.
    provider, item_id = _provider_with_item(app, world)
    path = _plan_path(world, f"/items/{item_id}/evidence")
    for token in ({}, {"csrf_token": "forged"}):
        response = provider.post(path, data={**token, "file": (io.BytesIO(PDF), "x.pdf")},
                                 content_type="multipart/form-data")
        assert response.status_code == 400
        assert "govuk-error-summary" in response.get_data(as_text=True)
    assert backend.keys() == [] and _records(owner_engine) == []


@contextmanager
def _database_refuses_evidence(owner_engine, when: str):
    """A trigger that refuses every new evidence row: at once (the operation's flush fails) or
    deferred to the commit (the file is already kept in the storage when the database says no)."""
    timing = "deferrable initially deferred" if when == "at commit" else "not deferrable"
    with owner_engine.begin() as conn:
        conn.execute(text("create function refuse_evidence() returns trigger language plpgsql "
                          "as $$ begin raise exception 'evidence refused'; end $$"))
        conn.execute(text(f"create constraint trigger refuse_evidence after insert on "
                          f"evidence_file {timing} for each row execute function refuse_evidence()"))
    try:
        yield
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("drop trigger refuse_evidence on evidence_file"))
            conn.execute(text("drop function refuse_evidence()"))


@pytest.mark.parametrize("when", ["at flush", "at commit"])
def test_a_database_failure_leaves_neither_file_nor_record(app, world, backend, owner_engine, when):
    # The file is kept with the operation's unit of work (app.unit_of_work.keep_with_unit):
    # committed in the storage just before the rows, deleted if their commit fails, aborted if
    # the operation fails before.
    from sqlalchemy.exc import DBAPIError

    provider, item_id = _provider_with_item(app, world)
    with _database_refuses_evidence(owner_engine, when):
        try:
            status = _upload(provider, world, item_id, PDF, "refused.pdf").status_code
        except DBAPIError as refused:
            assert "evidence refused" in str(refused)
            status = 500
    assert status == 500
    assert backend.keys() == [] and _records(owner_engine) == []
    assert _upload(provider, world, item_id, PDF, "real.pdf").status_code == 302
    assert len(backend.keys()) == 1 and len(_records(owner_engine)) == 1

"""The provider's first response before the initial meeting: messages with an optional file,
streamed to storage and checked like evidence; the host reads them; nobody else does."""

from __future__ import annotations

import io

from sqlalchemy import text

from app.storage import make_storage
from tests import provider_records
from tests.support.clients import csrf_token, sign_in

PDF = b"%PDF-1.7\n" + b"RESPONSE-FILE" * 200
PAGE = "/provider/cases/{case}/first-response"


def _send(provider, world, message, file=None):
    page = PAGE.format(case=world.case_a)
    data = {"csrf_token": csrf_token(provider, page), "message": message}
    if file is not None:
        data["file"] = (io.BytesIO(file[0]), file[1])
    return provider.post(page, data=data, content_type="multipart/form-data")


def _rows(owner_engine):
    with owner_engine.connect() as conn:
        return conn.execute(text("select id, message, original_name, size, storage_key "
                                 "from first_response order by id")).all()


def _provider(app, world, tmp_path):
    app.config.update(FILE_STORAGE="local", FILE_STORAGE_DIR=str(tmp_path / "files"))
    provider_records.build(app, world)
    return sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)


def test_the_provider_sends_its_response_with_a_file_and_the_host_reads_it(
        app, world, owner_engine, tmp_path):
    provider = _provider(app, world, tmp_path)
    empty = _send(provider, world, "")
    assert empty.status_code == 400 and "Enter your response" in empty.get_data(as_text=True)
    assert _send(provider, world, "OUR-FIRST-RESPONSE", (PDF, "staffing.pdf")).status_code == 302
    assert _send(provider, world, "ALSO-THIS").status_code == 302
    [(first, message, name, size, key), (_, second, no_name, _, no_key)] = _rows(owner_engine)
    assert (message, name, size, second, no_name, no_key) == (
        "OUR-FIRST-RESPONSE", "staffing.pdf", len(PDF), "ALSO-THIS", None, None)
    assert make_storage(app.config).keys() == [key] and key.startswith("response/")
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}/first-response"
    page = host.get(base).get_data(as_text=True)
    assert "OUR-FIRST-RESPONSE" in page and "ALSO-THIS" in page and "staffing.pdf" in page
    for client, path in ((host, f"{base}/{first}/file"),
                         (provider, f"{PAGE.format(case=world.case_a)}/{first}/file")):
        response = client.get(path)
        assert response.status_code == 200 and response.get_data() == PDF
        assert response.headers["Content-Disposition"].startswith("attachment;")


def test_a_renamed_executable_is_refused_and_nothing_kept(app, world, owner_engine, tmp_path):
    provider = _provider(app, world, tmp_path)
    refused = _send(provider, world, "KEEP", (b"MZ\x90\x00" + b"\x00" * 5000, "letter.pdf"))
    assert refused.status_code == 400
    assert "The selected file must be a PDF, Word, Excel, CSV, PNG or JPEG file" in (
        refused.get_data(as_text=True))
    assert _rows(owner_engine) == [] and make_storage(app.config).keys() == []


def test_after_the_initial_meeting_no_first_response_is_taken(app, world, owner_engine, tmp_path):
    provider = _provider(app, world, tmp_path)
    with owner_engine.begin() as conn:
        conn.execute(text("update cases set stage = 'findings' where id = :id"),
                     {"id": world.case_a})
    _send(provider, world, "TOO-LATE")
    page = provider.get(PAGE.format(case=world.case_a)).get_data(as_text=True)
    assert "The initial meeting has been held" in page and _rows(owner_engine) == []


def test_only_the_host_reads_the_response(app, world, owner_engine, tmp_path):
    provider = _provider(app, world, tmp_path)
    _send(provider, world, "HOST-ONLY-RESPONSE")
    for who, authority in (("placing_shared_lead", world.placing_shared),
                           ("host_b_lead", world.host_b)):
        client = sign_in(app.test_client(), world.users[who])
        response = client.get(f"/authorities/{authority}/cases/{world.case_a}/first-response")
        assert response.status_code in (403, 404)
        assert "HOST-ONLY-RESPONSE" not in response.get_data(as_text=True)

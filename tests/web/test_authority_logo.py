"""The authority's logo on its Word documents: uploaded by its administrator through a GOV.UK
file upload, checked from the file's own bytes, stored whole or not at all."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import pytest

from app import files
from app.extensions import db
from app.tenants.models import Authority
from tests.support.clients import csrf_token, sign_in
from tests.support.word import assert_council_document, open_docx


def png(width: int = 40, height: int = 20) -> bytes:
    """A real PNG, built by hand: signature, IHDR, one IDAT of grey rows, IEND."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


# A 16 x 16 baseline JPEG (CPython's imghdr test image).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8Q"
    "EBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQID"
    "BAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/"
    "2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx"
    "4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+"
    "Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolv"
    "w4KOp1KM6iCNvngZHwetf//Z"
)


def _logo_page(world, authority=None) -> str:
    return f"/authorities/{authority or world.host_a}/logo"


def _upload(client, world, data: bytes | None, name: str = "logo.png", content_type="image/png"):
    from io import BytesIO

    token = csrf_token(client, _logo_page(world))
    form = {"csrf_token": token}
    if data is not None:
        form["logo"] = (BytesIO(data), name, content_type)
    return client.post(_logo_page(world), data=form, content_type="multipart/form-data")


def _stored(app) -> list[str]:
    return sorted(p.name for p in Path(app.config["FILE_STORAGE_DIR"]).iterdir())


def _logo_file(app, world) -> str | None:
    with app.app_context():
        return db.session.get(Authority, world.host_a).logo_file


def test_the_administrator_uploads_a_logo_that_every_document_then_carries(app, world):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    page = admin.get(_logo_page(world)).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "govuk-file-upload" in page
    assert "No logo has been uploaded" in page
    response = _upload(admin, world, png())
    assert response.status_code == 302
    stored = _logo_file(app, world)
    assert stored and _stored(app) == [stored]
    assert (Path(app.config["FILE_STORAGE_DIR"]) / stored).read_bytes() == png()
    assert admin.get(f"{_logo_page(world)}/image").data == png()

    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    from app.cases.models import Case
    from app.tenants.scoping import Scope, scoped_as
    from tests.factories import meeting as make_meeting
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        meeting_id = make_meeting(db.session.get(Case, world.case_a)).id
        db.session.commit()
    agenda = lead.get(f"/authorities/{world.host_a}/cases/{world.case_a}/meetings/{meeting_id}/agenda.docx")
    document = assert_council_document(agenda.data, title="agenda", author="Host A County Council")
    assert len(document.inline_shapes) == 1, "the logo is at the top of the document"

    # Replacing it leaves one file; removing it leaves none, and documents carry the name only.
    assert _upload(admin, world, png(60, 30)).status_code == 302
    assert _stored(app) == [_logo_file(app, world)] and _logo_file(app, world) != stored
    token = csrf_token(admin, _logo_page(world))
    assert admin.post(f"{_logo_page(world)}/remove", data={"csrf_token": token}).status_code == 302
    assert _logo_file(app, world) is None and _stored(app) == []
    agenda = lead.get(f"/authorities/{world.host_a}/cases/{world.case_a}/meetings/{meeting_id}/agenda.docx")
    assert len(open_docx(agenda.data).inline_shapes) == 0


def test_a_jpeg_logo_is_taken_whatever_its_name_says(app, world):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    assert _upload(admin, world, JPEG, name="crest.png", content_type="image/png").status_code == 302
    assert _logo_file(app, world).endswith(".jpg")
    image = admin.get(f"{_logo_page(world)}/image")
    assert image.mimetype == "image/jpeg" and image.data == JPEG


@pytest.mark.parametrize(("data", "name", "message"), [
    (None, "logo.png", "Select a PNG or JPG file"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png", "The selected file must be a PNG or JPG"),
    (b"GIF89a" + b"\x00" * 40, "logo.gif", "The selected file must be a PNG or JPG"),
    (b"%PDF-1.7\n" + b"x" * 100, "logo.png", "The selected file must be a PNG or JPG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "logo.png", "must be a PNG or JPG that opens as an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "big.png", "The selected file must be smaller than 1MB"),
])
def test_a_file_that_is_not_a_usable_logo_is_refused_and_nothing_is_kept(app, world, data, name, message):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    response = _upload(admin, world, data, name=name)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body and message in body
    assert _logo_file(app, world) is None and _stored(app) == []


def test_only_the_authoritys_administrator_may_change_its_logo(app, world):
    for who in ("host_a_lead", "host_a_viewer"):
        client = sign_in(app.test_client(), world.users[who])
        assert client.get(_logo_page(world)).status_code == 403
    other = sign_in(app.test_client(), world.users["host_b_admin"])
    assert other.get(_logo_page(world)).status_code in (403, 404)
    assert _logo_file(app, world) is None


def test_a_failed_write_leaves_no_partial_file(app, monkeypatch):
    import os

    def broken_disk(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_disk)
    with app.app_context(), pytest.raises(OSError):
        files.store(png(), "png")
    assert _stored(app) == []


def test_a_failed_commit_removes_the_file_just_stored(app, world, monkeypatch):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    token = csrf_token(admin, _logo_page(world))

    def refuse():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", refuse)
    from io import BytesIO

    response = admin.post(_logo_page(world), data={"csrf_token": token, "logo": (BytesIO(png()), "logo.png")},
                          content_type="multipart/form-data")
    monkeypatch.undo()
    assert response.status_code == 500
    assert _stored(app) == [] and _logo_file(app, world) is None

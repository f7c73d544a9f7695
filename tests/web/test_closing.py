"""Stage 6: the closure letters (Word, sent through the outbox) and the contract review."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from app.cases import services as case_services
from app.cases.clocks import ClockStatus
from app.cases.models import Case, Stage
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.meetings.models import FinalDecision, Meeting, MeetingKind
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in

RATIONALE = "Six months of clean audits and families report real change"


def _host(world):
    return scoped_as(db.session, Scope(tenant_id=world.host_a))


@pytest.fixture
def closing(app, world):
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        case.stage = Stage.CLOSING
        db.session.add(Meeting(tenant_id=world.host_a, case_id=case.id, kind=MeetingKind.FINAL,
                               scheduled_for=datetime.now(UTC) - timedelta(hours=3),
                               held_at=datetime.now(UTC) - timedelta(hours=2),
                               final_decision=FinalDecision.CLOSE, sustainability_rationale=RATIONALE))
        db.session.commit()
    return f"/authorities/{world.host_a}/cases/{world.case_a}/closure"


def _text(docx_bytes: bytes) -> str:
    return "\n".join(p.text for p in Document(BytesIO(docx_bytes)).paragraphs)


def test_the_letters_are_written_from_the_case(app, world, closing):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    provider = lead.get(f"{closing}/letters/provider.docx")
    assert provider.status_code == 200 and provider.mimetype.endswith("wordprocessingml.document")
    text = _text(provider.data)
    assert "Dear Provider A Ltd," in text and world.case_a_reference in text and RATIONALE in text
    assert "contract monitoring review" in text
    cqc = _text(lead.get(f"{closing}/letters/cqc.docx").data)
    assert "Registration and Inspection Team" in cqc and "regulator" in cqc
    assert lead.get(f"{closing}/letters/someone-else.docx").status_code == 404


def test_no_letters_before_the_final_meeting_decides_to_close(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}/closure"
    assert lead.get(f"{base}/letters/provider.docx").status_code == 404
    assert "once a final meeting has been held" in lead.get(base).get_data(as_text=True)


def test_sending_the_letters_delivers_them_and_stops_the_24_hour_clock(app, world, closing):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    token = csrf_token(lead, closing)
    bad = lead.post(f"{closing}/letters", data={"csrf_token": token, "cqc_email": "not an email",
                                                "provider_emails": world.users["provider_a_manager"]})
    assert "Enter an email address in the correct format" in bad.get_data(as_text=True)
    assert 'value="not an email"' in bad.get_data(as_text=True)
    sent = lead.post(f"{closing}/letters", data={"csrf_token": token, "cqc_email": "inspector@cqc.example",
                                                 "provider_emails": world.users["provider_a_manager"]})
    assert sent.status_code == 302
    with app.app_context(), _host(world):
        messages = list(db.session.scalars(select(OutboxMessage)))
        case = db.session.get(Case, world.case_a)
        held = case_services.held_meetings([case.id])[case.id]
        clock = next(c for c in case_services.clocks_of(case, held) if c.key == "closure_notice")
    assert {m.recipient for m in messages} == {"inspector@cqc.example", world.users["provider_a_manager"]}
    assert {m.state.value for m in messages} == {"sent"}
    assert clock.status is ClockStatus.MET
    letters = {}
    for path in Path(app.config["MAIL_FOLDER"]).glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        attachment = next(message.iter_attachments())
        letters[message["To"]] = _text(attachment.get_content())
    assert "Dear Provider A Ltd," in letters[world.users["provider_a_manager"]]
    assert "Registration and Inspection Team" in letters["inspector@cqc.example"]


def test_the_contract_review_is_recorded_and_bad_input_kept(app, world, closing):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    token = csrf_token(lead, closing)
    bad = lead.post(f"{closing}/contract-review", data={"csrf_token": token, "outcome": "Improvements held",
                                                        "reviewed_on": ["31", "13", "2026"]})
    page = bad.get_data(as_text=True)
    assert "Date of the review must be a real date" in page and "Improvements held" in page
    good = lead.post(f"{closing}/contract-review", data={"csrf_token": token, "outcome": "Improvements held",
                                                         "reviewed_on": ["2", "11", "2026"]})
    assert good.status_code == 302
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        assert case.contract_review_outcome == "Improvements held"
        assert case.contract_review_at.date().isoformat() == "2026-11-02"


def test_a_viewer_cannot_send_letters(app, world, closing):
    viewer = sign_in(app.test_client(), world.users["host_a_viewer"])
    token = csrf_token(viewer, closing)
    response = viewer.post(f"{closing}/letters", data={"csrf_token": token, "cqc_email": "a@cqc.example"})
    assert response.status_code == 403

"""Stage 6: the closure letters (Word, sent through the outbox) and the contract review."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from app.auth.models import User
from app.cases import services as case_services
from app.cases.clocks import ClockStatus
from app.cases.models import Case, Stage
from app.closing.letters import Addressee, closure_letter
from app.closing.services import closing_meeting
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.meetings.models import FinalDecision, Meeting, MeetingKind
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in
from tests.support.word import assert_council_document

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


MANAGER = "Ms Dana Reed"


@pytest.fixture
def letter_facts(app, world, closing):
    """The registered manager on the register and a Lead Officer on the case."""
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        case.location.registered_manager = MANAGER
        case.lead_officer = db.session.scalar(select(User).where(User.email == world.users["host_a_lead"]))
        db.session.commit()
    return closing


def test_the_letters_are_written_from_the_case(app, world, closing):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    provider = lead.get(f"{closing}/letters/provider.docx")
    assert provider.status_code == 200 and provider.mimetype.endswith("wordprocessingml.document")
    text = _text(provider.data)
    assert world.case_a_reference in text and RATIONALE in text
    # No registered manager on the register: the letter is still to a person's role, not the company.
    assert "Dear Registered Manager," in text and "Dear Provider A Ltd," not in text
    assert "contract monitoring review" in text
    page = lead.get(closing).get_data(as_text=True)
    assert "No registered manager is recorded for" in page
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
    assert "Dear Registered Manager," in letters[world.users["provider_a_manager"]]
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


def _body_paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_a_letter_has_the_parts_of_a_letter(app, world, letter_facts):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context(), _host(world):
        location = db.session.get(Case, world.case_a).location
        cqc_id, address = location.cqc_location_id, [location.name, location.address_line_1,
                                                       location.town, location.postcode]
        name = db.session.scalar(select(User.name).where(User.email == world.users["host_a_lead"]))
    for addressee in ("provider", "cqc"):
        data = lead.get(f"{letter_facts}/letters/{addressee}.docx").data
        document = assert_council_document(data, title=f"{world.case_a_reference}",
                                           author="Host A County Council")
        paragraphs = _body_paragraphs(document)
        text = "\n".join(paragraphs)
        assert f"Our ref: {world.case_a_reference}" in paragraphs
        assert f"CQC location ID: {cqc_id}" in paragraphs
        signed = paragraphs.index("Yours sincerely,")
        assert paragraphs[signed + 1: signed + 4] == ["", "", ""], "room for a signature"
        assert paragraphs[signed + 4: signed + 6] == [name, "Lead Officer, Provider Concerns Strategy Group"]
        # No capital after a colon in the letter's own sentences (references and the subject
        # line name things: "Our ref: A-0001", "A-0001: Provider A Ltd").
        sentences = [p for p in paragraphs if p and not p.startswith(("Our ref", "CQC ", "Provider concerns process"))]
        assert not [p for p in sentences if re.search(r": [A-Z]", p)], sentences
        assert RATIONALE in paragraphs, "the group's reasons stand as their own paragraph"
        if addressee == "provider":
            assert f"Dear {MANAGER}," in paragraphs
            block = next(p for p in paragraphs if p.startswith(MANAGER))
            for line in [*address, "Provider A Ltd", "Registered Manager"]:
                assert line in block.splitlines(), line
        else:
            assert "Dear Registration and Inspection Team," in paragraphs
            assert "Citygate" in text and "NE1 4PA" in text
            assert f"the Lead Officer, {name}, at {world.users['host_a_lead']}" in text


def _letter(app, world, today, **case_values) -> str:
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        for name, value in case_values.items():
            setattr(case, name, value)
        db.session.flush()
        data = closure_letter(case, closing_meeting(case.id), Addressee.PROVIDER, today=today)
        db.session.rollback()
    return _text(data)


def test_the_letter_says_what_is_true_of_the_review_on_the_day_it_is_sent(app, world, closing):
    from datetime import date

    submitted = datetime(2026, 7, 14, 9, 0, tzinfo=UTC)  # three months on: 14 October 2026
    before = _letter(app, world, date(2026, 10, 1), plan_first_submitted_at=submitted)
    assert "by 14 October 2026" in before
    after = _letter(app, world, date(2026, 12, 1), plan_first_submitted_at=submitted)
    assert "14 October 2026" not in after and "will contact you to arrange it" in after
    recorded = _letter(app, world, date(2026, 12, 1), plan_first_submitted_at=submitted,
                       contract_review_at=datetime(2026, 11, 2, tzinfo=UTC))
    assert "carried out the contract monitoring review on 2 November 2026" in recorded
    assert "will carry out" not in recorded and "14 October 2026" not in recorded
    assert "1 December 2026" in recorded, "dated the day it is sent"

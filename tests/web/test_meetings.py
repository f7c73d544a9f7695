"""Meetings of a case: schedule with the procedure's agenda, invite, minute, record as held,
download as Word, keep drafts of long texts; and who may see or change which part."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO

import pytest
from docx import Document
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases import services as case_services
from app.cases.drafts import Draft
from app.cases.models import Case
from app.extensions import db
from app.meetings.models import (
    OUTCOME_FIELDS,
    PART_FIELDS,
    FinalDecision,
    Meeting,
    MeetingAttendee,
    MeetingKind,
)
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in
from tests.support.word import all_text, assert_council_document, open_docx

PART_ONE_SECRET = "Part one only: police enquiry 5531"
PART_TWO_TEXT = "Part two: provider agreed the staffing plan"
DECISION_TEXT = "Suspend new placements until the findings meeting"


def _base(world, authority=None) -> str:
    return f"/authorities/{authority or world.host_a}/cases/{world.case_a}/meetings"


def _client(app, world, who: str, provider: bool = False):
    return sign_in(app.test_client(), world.users[who], provider=provider)


def _post(client, path, data, headers=None, token_from=None):
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token}, headers=headers or {})


def _meeting(app, world, kind=MeetingKind.INITIAL, **extra) -> int:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        row = factories.meeting(case, kind, **extra)
        db.session.commit()
        return row.id


def _load(app, world, meeting_id) -> dict:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        row = db.session.get(Meeting, meeting_id)
        values = {c.name: getattr(row, c.name) for c in Meeting.__table__.columns}
        values |= {name: getattr(row, name) for name in (*PART_FIELDS, *OUTCOME_FIELDS)}
        values["attendees"] = [(a.name, a.organisation, a.user_id, a.authority_id, a.part_one,
                                a.part_two, a.attended) for a in row.attendees]
        return values


def _audit(app, world) -> list[str]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        return list(db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("meeting.%"))
            .order_by(AuditEvent.id)))


def _user(app, email) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def _docx_text(response) -> str:
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    document = Document(BytesIO(response.data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    header = [p.text for p in document.sections[0].header.paragraphs]
    return "\n".join(header + [p.text for p in document.paragraphs] + cells)


# Scheduling.


def test_scheduling_fills_the_agenda_from_the_procedure_for_that_kind(app, world):
    lead = _client(app, world, "host_a_lead")
    response = _post(lead, f"{_base(world)}/new", {
        "kind": "initial", "day": ["2", "6", "2026"], "time": "2:30pm", "venue": "County Hall"})
    assert response.status_code == 302
    meeting_id = int(re.search(r"/meetings/(\d+)", response.location).group(1))
    saved = _load(app, world, meeting_id)
    # 14:30 in England in June is British Summer Time: 13:30 UTC.
    assert saved["scheduled_for"] == datetime(2026, 6, 2, 13, 30, tzinfo=UTC)
    assert saved["kind"] is MeetingKind.INITIAL and saved["held_at"] is None
    assert "Themes and risks" in saved["agenda_part_one"]
    assert "Immediate risk mitigation" in saved["agenda_part_one"]
    for heading in ("Communication strategy", "Quality assurance strategy and outcomes",
                    "Safeguarding planning", "Views of the service provider"):
        assert heading in saved["agenda_part_two"]
    page = lead.get(response.location).get_data(as_text=True)
    assert "Initial meeting" in page and "Themes and risks" in page and "2:30pm" in page and "14:30" not in page
    assert _audit(app, world) == ["meeting.scheduled"]


@pytest.mark.parametrize(("kind", "part_one", "part_two"), [
    ("decision", "Threshold assessment", None),
    ("findings", "Findings from the fact-finding enquiries", "48 hours"),
    ("final", "Sustainability of the changes", "within 24 hours"),
    ("emergency", "closure response plan", "Arrangements for moving residents"),
])
def test_each_kind_gets_its_own_headings(app, world, kind, part_one, part_two):
    lead = _client(app, world, "host_a_lead")
    response = _post(lead, f"{_base(world)}/new", {
        "kind": kind, "day": ["2", "3", "2026"], "time": "10:00", "venue": "Teams"})
    saved = _load(app, world, int(response.location.rstrip("/").split("/")[-1]))
    assert part_one in saved["agenda_part_one"]
    assert (part_two in saved["agenda_part_two"]) if part_two else saved["agenda_part_two"] == ""


def test_the_agenda_can_be_changed(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    path = f"{_base(world)}/{meeting_id}/edit"
    form = lead.get(path).get_data(as_text=True)
    assert "Themes and risks" in form
    response = _post(lead, path, {"day": ["3", "3", "2026"], "time": "09:15", "venue": "Town Hall",
                                  "agenda_part_one": "Our own first item\nSecond item",
                                  "agenda_part_two": "Provider's response"})
    assert response.status_code == 302
    saved = _load(app, world, meeting_id)
    assert saved["agenda_part_one"] == "Our own first item\nSecond item"
    assert saved["venue"] == "Town Hall"
    assert _audit(app, world) == ["meeting.updated"]


def test_bad_input_keeps_what_was_typed_with_the_error_summary(app, world):
    lead = _client(app, world, "host_a_lead")
    response = _post(lead, f"{_base(world)}/new", {"venue": "Kept venue name", "time": "25:99",
                                                   "day": ["31", "2", ""]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body and "govuk-error-summary" in body
    assert "Select the kind of meeting" in body
    assert "Enter a real time, like 14:30 or 2:30pm" in body
    assert "Date must include a day, month and year" in body
    assert "Kept venue name" in body and 'value="25:99"' in body and 'value="31"' in body
    # A POST without the date keys at all is an error message, not a crash.
    missing = _post(lead, f"{_base(world)}/new", {"kind": "initial", "time": "10:00", "venue": "X"})
    assert missing.status_code == 200 and "Enter the date of the meeting" in missing.get_data(as_text=True)
    assert _audit(app, world) == []


# Attendees.


def test_staff_of_the_host_and_of_shared_placing_authorities_can_be_invited(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    page = lead.get(f"{_base(world)}/{meeting_id}").get_data(as_text=True)
    dass = _user(app, world.users["host_a_dass"])
    placing = _user(app, world.users["placing_shared_lead"])
    unshared = _user(app, world.users["placing_unshared_lead"])
    host_b = _user(app, world.users["host_b_lead"])
    assert f'value="{world.host_a}:{dass.id}"' in page
    assert f'value="{world.placing_shared}:{placing.id}"' in page
    assert f'value="{world.placing_unshared}:{unshared.id}"' not in page
    assert f":{host_b.id}\"" not in page

    path = f"{_base(world)}/{meeting_id}/attendees/staff"
    response = _post(lead, path, {"staff-person": f"{world.placing_shared}:{placing.id}",
                                  "staff-parts": ["one", "two"]}, token_from=f"{_base(world)}/{meeting_id}")
    assert response.status_code == 302
    # Someone not offered (a placing authority without a share) is refused.
    refused = _post(lead, path, {"staff-person": f"{world.placing_unshared}:{unshared.id}",
                                 "staff-parts": ["one"]}, token_from=f"{_base(world)}/{meeting_id}")
    assert refused.status_code == 200 and "There is a problem" in refused.get_data(as_text=True)
    saved = _load(app, world, meeting_id)
    assert saved["attendees"] == [(placing.name, "", placing.id, world.placing_shared, True, True, None)]


def test_attendees_are_added_removed_and_marked_in_place_with_htmx(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    page = f"{_base(world)}/{meeting_id}"
    htmx = {"HX-Request": "true"}
    added = _post(lead, f"{page}/attendees/external", {
        "external-name": "DS Kay Mills", "external-organisation": "Sussex Police",
        "external-email": "kay.mills@police.example", "external-parts": ["one"]},
        headers=htmx, token_from=page)
    fragment = added.get_data(as_text=True)
    assert added.status_code == 200 and "<html" not in fragment
    assert fragment.lstrip().startswith("<section id=\"attendees\"")
    assert "DS Kay Mills" in fragment and "Sussex Police" in fragment and "DS Kay Mills added" in fragment
    _post(lead, f"{page}/attendees/external", {
        "external-name": "Ann Inspector", "external-organisation": "CQC", "external-parts": ["one", "two"]},
        headers=htmx, token_from=page)
    saved = _load(app, world, meeting_id)
    assert [a[:2] + a[4:6] for a in saved["attendees"]] == [
        ("DS Kay Mills", "Sussex Police", True, False), ("Ann Inspector", "CQC", True, True)]

    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        police, cqc = db.session.scalars(
            select(MeetingAttendee.id).where(MeetingAttendee.meeting_id == meeting_id)
            .order_by(MeetingAttendee.id)).all()
    marked = _post(lead, f"{page}/attendance", {"attendance-attended": [str(police)]},
                   headers=htmx, token_from=page)
    assert "Attendance saved" in marked.get_data(as_text=True)
    assert [a[6] for a in _load(app, world, meeting_id)["attendees"]] == [True, False]

    removed = _post(lead, f"{page}/attendees/{cqc}/remove", {}, headers=htmx, token_from=page)
    assert "Ann Inspector removed" in removed.get_data(as_text=True)
    assert [a[0] for a in _load(app, world, meeting_id)["attendees"]] == ["DS Kay Mills"]
    assert _audit(app, world) == ["meeting.attendee_added", "meeting.attendee_added",
                                  "meeting.attendance_recorded", "meeting.attendee_removed"]


def test_attendee_forms_work_without_javascript_and_show_errors(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    page = f"{_base(world)}/{meeting_id}"
    response = _post(lead, f"{page}/attendees/external", {
        "external-name": "Hal Watch", "external-organisation": "", "external-email": "not-an-email",
        "external-parts": []}, token_from=page)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body
    assert "There is a problem" in body and "Enter their organisation" in body
    assert "Enter an email address in the correct format" in body
    assert "Select which parts of the meeting they attend" in body and "Hal Watch" in body
    ok = _post(lead, f"{page}/attendees/external", {
        "external-name": "Hal Watch", "external-organisation": "Healthwatch",
        "external-parts": ["two"]}, token_from=page)
    assert ok.status_code == 302 and ok.location.endswith("#attendees")
    assert "Hal Watch" in lead.get(page).get_data(as_text=True)


def test_invitations_go_through_the_outbox_to_attendees_with_an_address(app, world):
    from app.jobs.models import OutboxMessage

    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    page = f"{_base(world)}/{meeting_id}"
    _post(lead, f"{page}/attendees/external", {"external-name": "Kay", "external-organisation": "Police",
                                               "external-email": "kay@police.example",
                                               "external-parts": ["one"]}, token_from=page)
    _post(lead, f"{page}/attendees/external", {"external-name": "No Mail", "external-organisation": "ICB",
                                               "external-parts": ["one"]}, token_from=page)
    response = _post(lead, f"{page}/invitations", {}, token_from=page)
    assert response.status_code == 302
    # Delivered in the request (embedded default, file channel) before the page says so.
    assert "Invitations sent to 1 people" in lead.get(response.headers["Location"]).get_data(as_text=True)
    _post(lead, f"{page}/invitations", {}, token_from=page)  # the same version is not sent twice
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.recipient, m.template) for m in messages] == [("kay@police.example", "meeting_invitation")]
        # One calendar event per meeting and parts, named in this installation's own domain.
        assert messages[0].payload["calendar"]["uid"] == f"meeting-{meeting_id}-part-1@portal.test"


def test_an_invitation_greets_gives_the_agenda_of_their_parts_and_links_to_the_meeting(app, world):
    import email
    import email.policy
    from pathlib import Path

    meeting_id = _meeting(app, world)
    placing_lead = _user(app, world.users["placing_shared_lead"])
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.add_all([
            MeetingAttendee(tenant_id=world.host_a, meeting_id=meeting_id, case_id=world.case_a,
                            name="DS Kay Mills", organisation="Sussex Police",
                            email="kay@police.example", part_one=True, part_two=False),
            MeetingAttendee(tenant_id=world.host_a, meeting_id=meeting_id, case_id=world.case_a,
                            name=placing_lead.name, user_id=placing_lead.id,
                            authority_id=world.placing_shared, part_one=False, part_two=True),
        ])
        db.session.commit()
    lead = _client(app, world, "host_a_lead")
    page = f"{_base(world)}/{meeting_id}"
    assert _post(lead, f"{page}/invitations", {}, token_from=page).status_code == 302
    messages = {}
    for path in Path(app.config["MAIL_FOLDER"]).glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        messages[message["To"]] = (message.get_body(("plain",)).get_content(),
                                   message.get_body(("html",)).get_content())
    police_text, police_html = messages["kay@police.example"]
    assert police_text.lstrip().startswith("Dear DS Kay Mills,")
    assert "Dear DS Kay Mills," in police_html
    assert "Monday 2 March 2026, 10am to " in police_text
    assert "Themes and risks" in police_text and "Communication strategy" not in police_text
    assert "/authorities/" not in police_text, "no portal link for someone without a sign-in"
    staff_text, staff_html = messages[placing_lead.email]
    assert staff_text.lstrip().startswith(f"Dear {placing_lead.name},")
    assert "Communication strategy" in staff_text and "Themes and risks" not in staff_text
    link = (f"{app.config['PUBLIC_URL']}/authorities/{world.placing_shared}/cases/{world.case_a}"
            f"/meetings/{meeting_id}")
    assert link in staff_text and f'href="{link}"' in staff_html


# Minutes, held, final decision.


def _save_minutes(client, world, meeting_id, **flags):
    path = f"{_base(world)}/{meeting_id}/minutes"
    data = {"minutes_part_one": PART_ONE_SECRET, "minutes_part_two": PART_TWO_TEXT,
            "decisions": DECISION_TEXT, **{k: "y" for k, v in flags.items() if v}}
    return _post(client, path, data)


def test_minutes_and_the_meeting_held_let_the_case_move_on(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    response = _save_minutes(lead, world, meeting_id, part_two_shared_with_placing=True,
                             part_two_shared_with_provider=True)
    assert response.status_code == 302
    saved = _load(app, world, meeting_id)
    assert saved["minutes_part_one"] == PART_ONE_SECRET and saved["decisions"] == DECISION_TEXT
    assert (saved["part_one_shared_with_placing"], saved["part_two_shared_with_placing"],
            saved["part_two_shared_with_provider"]) == (False, True, True)

    held = _post(lead, f"{_base(world)}/{meeting_id}/held", {"day": ["2", "3", "2026"], "time": "10:05"})
    assert held.status_code == 302
    assert _load(app, world, meeting_id)["held_at"] == datetime(2026, 3, 2, 10, 5, tzinfo=UTC)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        facts = case_services.facts_of(db.session.get(Case, world.case_a))
    assert MeetingKind.INITIAL in facts.held_kinds
    page = lead.get(f"{_base(world)}/{meeting_id}").get_data(as_text=True)
    assert PART_ONE_SECRET in page and DECISION_TEXT in page and "2 March 2026 at 10:05am" in page
    assert _audit(app, world) == ["meeting.minutes_saved", "meeting.held"]


def test_a_meeting_cannot_be_recorded_as_held_in_the_future(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    response = _post(lead, f"{_base(world)}/{meeting_id}/held", {"day": ["1", "1", "2099"], "time": "10:00"})
    assert "Date held must be today or in the past" in response.get_data(as_text=True)
    assert _load(app, world, meeting_id)["held_at"] is None


def test_a_final_meeting_records_its_decision_and_why_it_will_last(app, world):
    meeting_id = _meeting(app, world, MeetingKind.FINAL)
    lead = _client(app, world, "host_a_lead")
    path = f"{_base(world)}/{meeting_id}/held"
    assert "Why the improvements are sustainable" in lead.get(path).get_data(as_text=True)
    missing = _post(lead, path, {"day": ["2", "3", "2026"], "time": "10:00"})
    assert "Select the decision of the final meeting" in missing.get_data(as_text=True)
    no_reason = _post(lead, path, {"day": ["2", "3", "2026"], "time": "10:00", "final_decision": "close"})
    body = no_reason.get_data(as_text=True)
    assert "There is a problem" in body and "Enter why the improvements are sustainable" in body
    assert _load(app, world, meeting_id)["held_at"] is None
    done = _post(lead, path, {"day": ["2", "3", "2026"], "time": "10:00", "final_decision": "close",
                              "sustainability_rationale": "Three months of good audits"})
    assert done.status_code == 302
    saved = _load(app, world, meeting_id)
    assert saved["final_decision"] is FinalDecision.CLOSE
    assert saved["sustainability_rationale"] == "Three months of good audits"
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        facts = case_services.facts_of(db.session.get(Case, world.case_a))
    assert facts.final_decision is FinalDecision.CLOSE and facts.sustainability_rationale
    assert _audit(app, world) == ["meeting.held"]


def test_other_kinds_have_no_final_decision(app, world):
    meeting_id = _meeting(app, world, MeetingKind.UPDATE)
    lead = _client(app, world, "host_a_lead")
    path = f"{_base(world)}/{meeting_id}/held"
    assert "Decision of the final meeting" not in lead.get(path).get_data(as_text=True)
    _post(lead, path, {"day": ["2", "3", "2026"], "time": "10:00", "final_decision": "close"})
    assert _load(app, world, meeting_id)["final_decision"] is None


# Word documents.


def _with_attendees(app, world, meeting_id):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        for name, org, one, two in (("DS Kay Mills", "Sussex Police", True, False),
                                    ("Priya Manager", "Provider A Ltd", False, True)):
            db.session.add(MeetingAttendee(tenant_id=world.host_a, meeting_id=meeting_id,
                                           case_id=world.case_a, name=name, organisation=org,
                                           part_one=one, part_two=two, attended=True))
        db.session.commit()


def test_the_agenda_downloads_as_a_word_document(app, world):
    meeting_id = _meeting(app, world, venue="County Hall, Committee Room 2")
    _with_attendees(app, world, meeting_id)
    lead = _client(app, world, "host_a_lead")
    response = lead.get(f"{_base(world)}/{meeting_id}/agenda.docx")
    assert "attachment" in response.headers["Content-Disposition"]
    text = _docx_text(response)
    for expected in ("Host A County Council", world.case_a_reference, "Provider A Ltd",
                     "Initial meeting: Agenda", "Monday 2 March 2026", "10am",
                     "County Hall, Committee Room 2", "Part one (without the provider)",
                     "Part two (with the provider)", "DS Kay Mills", "Sussex Police",
                     "Priya Manager", "Themes and risks", "Immediate risk mitigation",
                     "Communication strategy", "OFFICIAL-SENSITIVE"):
        assert expected in text, expected
    document = assert_council_document(response.data, title="Initial meeting agenda",
                                       author="Host A County Council")
    items = [p for p in document.paragraphs if p.style.name == "List Number"]
    assert items[0].text.startswith("Themes and risks"), "Word numbers the items, not typed text"
    assert not [p.text for p in items if re.match(r"^\d+\.", p.text)]
    numbered = document.styles["List Number"]
    assert numbered.element.pPr.numPr is not None
    assert numbered.paragraph_format.first_line_indent < 0 < numbered.paragraph_format.left_indent
    part_one_at = next(i for i, p in enumerate(document.paragraphs) if p.text.startswith("Themes and"))
    assert document.paragraphs[part_one_at - 1].text == "Part one (without the provider)"


def test_minutes_download_with_parts_decisions_and_actions(app, world):
    from datetime import date

    from app.actions.models import Action, OwnerKind

    meeting_id = _meeting(app, world)
    _with_attendees(app, world, meeting_id)
    lead = _client(app, world, "host_a_lead")
    _save_minutes(lead, world, meeting_id, part_two_shared_with_placing=True)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.add(Action(tenant_id=world.host_a, case_id=world.case_a, meeting_id=meeting_id,
                              description="Send the staffing rota", owner_kind=OwnerKind.PROVIDER,
                              due_on=date(2026, 3, 9)))
        db.session.commit()
    text = _docx_text(lead.get(f"{_base(world)}/{meeting_id}/minutes.docx"))
    for expected in ("Initial meeting: Minutes", PART_ONE_SECRET, PART_TWO_TEXT, DECISION_TEXT,
                     "Send the staffing rota", "9 March 2026", "Present"):
        assert expected in text, expected


def test_a_placing_authority_gets_only_the_parts_shared_with_it(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    _save_minutes(lead, world, meeting_id, part_two_shared_with_placing=True)
    placing = _client(app, world, "placing_shared_lead")
    base = _base(world, world.placing_shared)
    text = _docx_text(placing.get(f"{base}/{meeting_id}/minutes.docx"))
    assert PART_TWO_TEXT in text
    assert PART_ONE_SECRET not in text and DECISION_TEXT not in text
    page = placing.get(f"{base}/{meeting_id}").get_data(as_text=True)
    assert PART_TWO_TEXT in page and PART_ONE_SECRET not in page and DECISION_TEXT not in page
    assert "Invite staff" not in page
    # Nothing shared: neither part.
    _save_minutes(lead, world, meeting_id)
    text = _docx_text(placing.get(f"{base}/{meeting_id}/minutes.docx"))
    assert PART_TWO_TEXT not in text and PART_ONE_SECRET not in text
    # Both shared: the decisions too.
    _save_minutes(lead, world, meeting_id, part_one_shared_with_placing=True,
                  part_two_shared_with_placing=True)
    text = _docx_text(placing.get(f"{base}/{meeting_id}/minutes.docx"))
    assert PART_ONE_SECRET in text and DECISION_TEXT in text
    # The agenda and the schedule are theirs to read.
    assert "Themes and risks" in _docx_text(placing.get(f"{base}/{meeting_id}/agenda.docx"))


def _hold(app, world, meeting_id, held_at):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.get(Meeting, meeting_id).held_at = held_at
        db.session.commit()


def test_minutes_are_marked_draft_until_held_and_agreed(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    url = f"{_base(world)}/{meeting_id}/minutes.docx"

    def header_and_title():
        data = lead.get(url).data
        document = assert_council_document(data, title="Initial meeting minutes",
                                           author="Host A County Council")
        return document.sections[0].header.paragraphs[0].text, document.core_properties.title, all_text(document)

    _save_minutes(lead, world, meeting_id, minutes_final=True)
    header, title, text = header_and_title()  # agreed, but not held yet
    assert "DRAFT" in header and "(draft)" in title and "DRAFT: these minutes have not been agreed" in text
    _hold(app, world, meeting_id, datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    _save_minutes(lead, world, meeting_id)  # held, not agreed
    assert "DRAFT" in header_and_title()[0]
    _save_minutes(lead, world, meeting_id, minutes_final=True)
    header, title, text = header_and_title()
    assert header == "OFFICIAL-SENSITIVE" and "draft" not in title.lower() and "DRAFT" not in text


def test_the_actions_table_gives_the_action_the_room(app, world):
    from datetime import date

    from app.actions.models import Action, OwnerKind

    meeting_id = _meeting(app, world)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.add(Action(tenant_id=world.host_a, case_id=world.case_a, meeting_id=meeting_id,
                              description="Audit every care plan " * 8, owner_kind=OwnerKind.PROVIDER,
                              due_on=date(2026, 3, 9)))
        db.session.commit()
    lead = _client(app, world, "host_a_lead")
    document = open_docx(lead.get(f"{_base(world)}/{meeting_id}/minutes.docx").data)
    actions = next(t for t in document.tables if t.rows[0].cells[0].text == "Action")
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    widths = [cell.width for cell in actions.rows[1].cells]
    assert widths[0] >= 0.45 * text_width and widths[0] == max(widths)
    assert sum(widths) <= text_width * 1.001  # Word keeps widths in twentieths of a point


def test_held_minutes_with_nobody_recorded_say_so(app, world):
    meeting_id = _meeting(app, world)
    _hold(app, world, meeting_id, datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    lead = _client(app, world, "host_a_lead")
    text = _docx_text(lead.get(f"{_base(world)}/{meeting_id}/minutes.docx"))
    assert "Nobody was recorded as invited to or attending this part." in text
    assert "No one has been invited to this part" not in text
    # The agenda of a meeting not yet held says no one is invited yet.
    other = _meeting(app, world)
    assert "No one has been invited to this part yet." in _docx_text(
        lead.get(f"{_base(world)}/{other}/agenda.docx"))


def test_a_placing_authority_copy_says_which_actions_it_shows(app, world):
    from datetime import date

    from app.actions.models import Action, OwnerKind

    meeting_id = _meeting(app, world)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.add(Action(tenant_id=world.host_a, case_id=world.case_a, meeting_id=meeting_id,
                              description="Send the staffing rota", owner_kind=OwnerKind.PROVIDER,
                              due_on=date(2026, 3, 9)))
        db.session.commit()
    placing = _client(app, world, "placing_shared_lead")
    url = f"{_base(world, world.placing_shared)}/{meeting_id}/minutes.docx"
    text = _docx_text(placing.get(url))
    assert "Send the staffing rota" not in text and "No actions recorded" not in text
    assert "This copy lists only the actions given to your authority." in text
    assert "No actions were given to your authority at this meeting." in text
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.add(Action(tenant_id=world.host_a, case_id=world.case_a, meeting_id=meeting_id,
                              description="Review the placed residents", owner_kind=OwnerKind.AUTHORITY,
                              owner_authority_id=world.placing_shared, due_on=date(2026, 3, 9)))
        db.session.commit()
    text = _docx_text(placing.get(url))
    assert "Review the placed residents" in text and "Send the staffing rota" not in text
    host_text = _docx_text(_client(app, world, "host_a_lead").get(
        f"{_base(world)}/{meeting_id}/minutes.docx"))
    assert "This copy lists only" not in host_text and "Send the staffing rota" in host_text


def test_apologies_are_recorded_apart_from_absence(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    page = f"{_base(world)}/{meeting_id}"
    for name in ("Ann Came", "Bea Sorry", "Cal Away"):
        _post(lead, f"{page}/attendees/external", {"external-name": name, "external-organisation": "ICB",
                                                   "external-parts": ["one"]}, token_from=page)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        came, sorry, away = db.session.scalars(
            select(MeetingAttendee.id).where(MeetingAttendee.meeting_id == meeting_id)
            .order_by(MeetingAttendee.id)).all()
    both = _post(lead, f"{page}/attendance", {"attendance-attended": [str(came)],
                                              "attendance-apologies": [str(came)]}, token_from=page)
    assert "Ann Came cannot both attend and send apologies" in both.get_data(as_text=True)
    _post(lead, f"{page}/attendance", {"attendance-attended": [str(came)],
                                       "attendance-apologies": [str(sorry)]}, token_from=page)
    saved = {a[0]: a[6] for a in _load(app, world, meeting_id)["attendees"]}
    assert saved == {"Ann Came": True, "Bea Sorry": False, "Cal Away": False}
    _hold(app, world, meeting_id, datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    document = open_docx(lead.get(f"{page}/minutes.docx").data)
    rows = {row.cells[0].text: row.cells[2].text for table in document.tables for row in table.rows
            if len(row.cells) == 3}
    assert (rows["Ann Came"], rows["Bea Sorry"], rows["Cal Away"]) == ("Present", "Apologies", "Absent")
    html = lead.get(page).get_data(as_text=True)
    assert "Apologies" in html and "Absent" in html


def test_meeting_files_are_named_by_the_day_held(app, world):
    meeting_id = _meeting(app, world)  # scheduled for 2 March 2026
    lead = _client(app, world, "host_a_lead")
    url = f"{_base(world)}/{meeting_id}/minutes.docx"
    assert "2026-03-02" in lead.get(url).headers["Content-Disposition"]
    _hold(app, world, meeting_id, datetime(2026, 3, 4, 23, 30, tzinfo=UTC))  # 4 March, 11:30pm
    assert "-minutes-2026-03-04.docx" in lead.get(url).headers["Content-Disposition"]
    _hold(app, world, meeting_id, datetime(2026, 6, 4, 23, 30, tzinfo=UTC))  # 5 June, 12:30am BST
    assert "-minutes-2026-06-05.docx" in lead.get(url).headers["Content-Disposition"]


def test_actions_name_the_meeting_they_were_agreed_at_by_the_day_held(app, world):
    meeting_id = _meeting(app, world)  # scheduled for 2 March 2026
    lead = _client(app, world, "host_a_lead")
    form = f"/authorities/{world.host_a}/cases/{world.case_a}/actions/new"
    assert "Initial meeting, 2 March 2026" in lead.get(form).get_data(as_text=True)
    _hold(app, world, meeting_id, datetime(2026, 3, 5, 10, 0, tzinfo=UTC))
    page = lead.get(form).get_data(as_text=True)
    assert "Initial meeting, held 5 March 2026" in page and "2 March 2026" not in page


# Every control character, as pasted from Word and other programs (issue 10, item 10).
CONTROL = "".join(chr(code) for code in range(32)) + "\x7f"
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def test_every_control_character_survives_saving_and_the_word_download(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    saved = _post(lead, f"{_base(world)}/{meeting_id}/minutes", {
        "minutes_part_one": f"Before{CONTROL}After", "minutes_part_two": "Line one\x0bLine two",
        "decisions": f"Decide{CONTROL}this"})
    assert saved.status_code == 302
    stored = _load(app, world, meeting_id)
    for field in ("minutes_part_one", "minutes_part_two", "decisions"):
        assert not NOT_XML.search(stored[field]), (field, stored[field])
    assert stored["minutes_part_one"].startswith("Before") and stored["minutes_part_one"].endswith("After")
    assert stored["minutes_part_two"] == "Line one\nLine two", "Shift+Enter from Word is a line break"
    page = lead.get(f"{_base(world)}/{meeting_id}")
    assert page.status_code == 200 and "Line two" in page.get_data(as_text=True)
    for document in ("minutes", "agenda"):
        text = _docx_text(lead.get(f"{_base(world)}/{meeting_id}/{document}.docx"))
        if document == "minutes":
            assert "Line one\nLine two" in text and "After" in text


def test_text_saved_before_it_was_cleaned_still_builds_the_documents(app, world):
    legacy = "".join(chr(code) for code in range(1, 32))  # PostgreSQL never held NUL
    meeting_id = _meeting(app, world, venue=f"Hall{legacy}Two")
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        meeting = db.session.get(Meeting, meeting_id)
        meeting.minutes_part_one = f"Old{legacy}paste"
        meeting.agenda_part_one = f"Item{legacy}one"
        db.session.add(MeetingAttendee(tenant_id=world.host_a, meeting_id=meeting_id,
                                       case_id=world.case_a, name=f"Kay{legacy}Mills",
                                       organisation="Police", part_one=True, part_two=False))
        db.session.commit()
    lead = _client(app, world, "host_a_lead")
    minutes = _docx_text(lead.get(f"{_base(world)}/{meeting_id}/minutes.docx"))
    assert "Old" in minutes and "paste" in minutes and "Kay" in minutes
    agenda = _docx_text(lead.get(f"{_base(world)}/{meeting_id}/agenda.docx"))
    assert "Hall" in agenda and "Two" in agenda


# Drafts of long texts.


def _save_draft(client, world, meeting_id, field, text):
    token = csrf_token(client, f"{_base(world)}/{meeting_id}/minutes")
    return client.post(f"{_base(world)}/{meeting_id}/drafts", data={"field": field, "text": text},
                       headers={"X-CSRFToken": token})


def test_a_draft_is_kept_while_typing_offered_back_and_dropped_on_save(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    form = lead.get(f"{_base(world)}/{meeting_id}/minutes").get_data(as_text=True)
    assert 'data-autosave-field="minutes_part_one"' in form and "js/autosave.js" in form
    saved = _save_draft(lead, world, meeting_id, "minutes_part_one", "Typed before the timeout")
    assert saved.status_code == 200 and saved.json["field"] == "minutes_part_one"

    form = lead.get(f"{_base(world)}/{meeting_id}/minutes").get_data(as_text=True)
    assert "We have put back text you typed but did not save" in form
    assert "Typed before the timeout</textarea>" in form
    # Another person of the same authority sees nothing of it.
    dass = _client(app, world, "host_a_dass")
    assert "Typed before the timeout" not in dass.get(f"{_base(world)}/{meeting_id}/minutes").get_data(as_text=True)

    _post(lead, f"{_base(world)}/{meeting_id}/minutes", {"minutes_part_one": "The real minutes"})
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, user_id=None)):
        assert db.session.scalars(select(Draft)).all() == []
    form = lead.get(f"{_base(world)}/{meeting_id}/minutes").get_data(as_text=True)
    assert "We have put back" not in form and "The real minutes</textarea>" in form
    assert _audit(app, world) == ["meeting.minutes_saved"]


def test_a_draft_older_than_someone_elses_save_is_not_offered(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    _save_draft(lead, world, meeting_id, "decisions", "Old idea")
    dass = _client(app, world, "host_a_dass")
    _post(dass, f"{_base(world)}/{meeting_id}/minutes", {"decisions": "Agreed by the chair"})
    form = lead.get(f"{_base(world)}/{meeting_id}/minutes").get_data(as_text=True)
    assert "Old idea" not in form and "Agreed by the chair" in form


def test_drafts_can_be_discarded_and_refuse_unknown_fields(app, world):
    meeting_id = _meeting(app, world, MeetingKind.FINAL)
    lead = _client(app, world, "host_a_lead")
    _save_draft(lead, world, meeting_id, "sustainability_rationale", "Half a thought")
    form = lead.get(f"{_base(world)}/{meeting_id}/held").get_data(as_text=True)
    assert "Half a thought</textarea>" in form
    _post(lead, f"{_base(world)}/{meeting_id}/drafts/discard", {"back": "held"},
          token_from=f"{_base(world)}/{meeting_id}/held")
    assert "Half a thought" not in lead.get(f"{_base(world)}/{meeting_id}/held").get_data(as_text=True)
    assert _save_draft(lead, world, meeting_id, "venue", "x").status_code == 400
    update_id = _meeting(app, world, MeetingKind.UPDATE)
    assert _save_draft(lead, world, update_id, "sustainability_rationale", "x").status_code == 400


def test_the_draft_endpoint_needs_the_csrf_header(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    response = lead.post(f"{_base(world)}/{meeting_id}/drafts", data={"field": "decisions", "text": "x"})
    assert response.status_code == 400


# Who may see and change what.


def _writes(world, meeting_id, base):
    page = f"{base}/{meeting_id}"
    return [f"{base}/new", f"{page}/edit", f"{page}/attendees/external", f"{page}/attendance",
            f"{page}/minutes", f"{page}/held", f"{page}/drafts", f"{page}/invitations"]


def test_a_viewer_reads_but_cannot_change(app, world):
    meeting_id = _meeting(app, world)
    viewer = _client(app, world, "host_a_viewer")
    page = viewer.get(f"{_base(world)}/{meeting_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Themes and risks" in body
    assert "Invite staff" not in body and "Record or change the minutes" not in body
    token = csrf_token(viewer, f"{_base(world)}/{meeting_id}")
    for path in _writes(world, meeting_id, _base(world)):
        response = viewer.post(path, data={"csrf_token": token, "minutes_part_one": "x",
                                           "external-name": "x", "external-organisation": "x"})
        assert response.status_code == 403, path
    assert _load(app, world, meeting_id)["minutes_part_one"] == "" and _audit(app, world) == []


def test_the_shared_placing_authority_reads_but_cannot_change(app, world):
    meeting_id = _meeting(app, world)
    placing = _client(app, world, "placing_shared_lead")
    base = _base(world, world.placing_shared)
    assert placing.get(f"{base}/{meeting_id}").status_code == 200
    token = csrf_token(placing, f"{base}/{meeting_id}")
    for path in _writes(world, meeting_id, base):
        assert placing.post(path, data={"csrf_token": token}).status_code == 403, path


@pytest.mark.parametrize(("who", "authority"), [("host_b_lead", "host_b"),
                                                ("placing_unshared_lead", "placing_unshared")])
def test_outsiders_get_nothing(app, world, who, authority):
    meeting_id = _meeting(app, world, venue="Secret venue 42")
    client = _client(app, world, who)
    own = _base(world, getattr(world, authority))
    for path in (f"{own}/{meeting_id}", f"{own}/{meeting_id}/agenda.docx",
                 f"{own}/{meeting_id}/minutes.docx", f"{own}/{meeting_id}/minutes"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Secret venue 42" not in response.data and b"Themes and risks" not in response.data
    # Through host A's URLs they are not members at all.
    response = client.get(f"{_base(world)}/{meeting_id}")
    assert response.status_code == 403 and b"Secret venue 42" not in response.data
    # The case page of their own authority lists no meeting of host A.
    case_page = client.get(f"/authorities/{getattr(world, authority)}/cases/{world.case_a}")
    assert b"Initial meeting" not in case_page.data


def test_provider_users_and_anonymous_visitors_get_nothing(app, world):
    meeting_id = _meeting(app, world, venue="Secret venue 42")
    provider = _client(app, world, "provider_a_manager", provider=True)
    anonymous = app.test_client()
    for path in (f"{_base(world)}/{meeting_id}", f"{_base(world)}/{meeting_id}/minutes.docx",
                 f"{_base(world)}/{meeting_id}/agenda.docx"):
        response = provider.get(path)
        assert response.status_code == 403 and b"Secret venue 42" not in response.data
        response = anonymous.get(path)
        assert response.status_code == 302 and "/sign-in" in response.location
        assert b"Secret venue 42" not in response.data


def test_the_case_page_lists_the_meetings(app, world):
    meeting_id = _meeting(app, world)
    lead = _client(app, world, "host_a_lead")
    page = lead.get(f"/authorities/{world.host_a}/cases/{world.case_a}/meetings").get_data(as_text=True)
    assert '<h2 class="govuk-heading-m" id="meetings-heading">Meetings</h2>' in page
    assert f"/meetings/{meeting_id}" in page and "Scheduled" in page and "Schedule a meeting" in page
    placing = _client(app, world, "placing_shared_lead")
    shared = placing.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}/meetings").get_data(as_text=True)
    assert f"/authorities/{world.placing_shared}/cases/{world.case_a}/meetings/{meeting_id}" in shared
    assert "Schedule a meeting" not in shared

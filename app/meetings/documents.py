"""Agenda and minutes as Word documents, laid out as a council circulates them.

The caller decides what the reader may see: ``minutes_document`` is given the parts and whether
the decisions are readable (``services.readable_parts``, ``services.decisions_readable``).
"""

from __future__ import annotations

from collections.abc import Sequence

from docx import Document

from app.actions.models import Action, OwnerKind
from app.cases.clocks import local_date
from app.cases.models import Case
from app.cases.terms import terms_for
from app.documents import council_document, docx_bytes, heading, paragraph, table
from app.formatting import date_and_time, day_and_date, long_date, time_of_day
from app.meetings.agendas import headings
from app.meetings.models import FinalDecision, Meeting, MeetingAttendee
from app.meetings.services import Part, attendance_label, parts_of
from app.tenants.logos import letterhead_for

# Shares of the text width: the action itself needs the room.
ACTION_COLUMNS = (0.5, 0.2, 0.15, 0.15)


def minutes_are_draft(meeting: Meeting) -> bool:
    """Minutes are a draft until the meeting is held and the chair has agreed them."""
    return meeting.held_at is None or not meeting.minutes_final


def _new_document(case: Case, meeting: Meeting, what: str, draft: bool = False) -> Document:
    title = f"{meeting.kind.label} {what.lower()}: {case.reference} {case.provider.name}"
    return council_document(letterhead_for(case.host_authority), case.reference,
                            title=title + (" (draft)" if draft else ""), draft=draft)


def _title(document: Document, meeting: Meeting, what: str, draft: bool = False) -> None:
    heading(document, "Provider Concerns Meeting", level=0)
    paragraph(document, f"{meeting.kind.label}: {what}", style="Subtitle")
    if draft:
        paragraph(document).add_run(
            "DRAFT: these minutes have not been agreed and may change.").bold = True


def _details(document: Document, case: Case, meeting: Meeting) -> None:
    rows = [
        ("Case reference", case.reference),
        ("Provider", case.provider.name),
        ("Location", case.location.name if case.location else "All locations"),
        ("Meeting", meeting.kind.label),
        ("Date", day_and_date(meeting.scheduled_for)),
        ("Time", time_of_day(meeting.scheduled_for)),
        ("Venue", meeting.venue or "To be confirmed"),
        ("Chair", case.chair.name if case.chair else "Not appointed"),
        (terms_for(case.tenant_id)["lead_officer"],
         case.lead_officer.name if case.lead_officer else "Not appointed"),
    ]
    if meeting.held_at is not None:
        rows.append(("Held", date_and_time(meeting.held_at)))
    table(document, None, rows, widths=(0.3, 0.7))


def _nobody(meeting: Meeting, minutes: bool) -> str:
    if minutes and meeting.held_at is not None:
        return "Nobody was recorded as invited to or attending this part."
    return "No one has been invited to this part yet."


def _attendees(document: Document, meeting: Meeting, parts: list[Part], minutes: bool) -> None:
    heading(document, "Attendees", level=1)
    for part in parts:
        heading(document, part.title, level=2)
        attending = [a for a in meeting.attendees if (a.part_one if part.number == 1 else a.part_two)]
        if not attending:
            paragraph(document, _nobody(meeting, minutes))
            continue
        if minutes:
            table(document, ("Name", "Organisation", "Attendance"),
                  [(a.name, _organisation(a), attendance_label(a)) for a in attending],
                  widths=(0.4, 0.4, 0.2))
        else:
            table(document, ("Name", "Organisation"),
                  [(a.name, _organisation(a)) for a in attending], widths=(0.5, 0.5))


def _organisation(attendee: MeetingAttendee) -> str:
    if attendee.authority is not None:
        return attendee.authority.name
    return attendee.organisation


def _agenda_items(document: Document, parts: list[Part]) -> None:
    # Word numbers the items ("List Number"), running on from one part to the next, with a
    # hanging indent so that long items wrap under their text, not under the number.
    for part in parts:
        heading(document, part.title, level=2)
        items = headings(part.agenda)
        if not items:
            paragraph(document, "No items.")
        for item in items:
            paragraph(document, item, style="List Number")


def agenda_document(case: Case, meeting: Meeting,
                    coverage: tuple[Sequence[str], list[Sequence[str]]] | None = None) -> bytes:
    """Return the agenda: the meeting's details, who is invited to each part, the items, and
    (for the host's own copy) the placing authorities' coverage table, which the chair reads."""
    document = _new_document(case, meeting, "Agenda")
    _title(document, meeting, "Agenda")
    _details(document, case, meeting)
    parts = parts_of(meeting)
    _attendees(document, meeting, parts, minutes=False)
    heading(document, "Agenda", level=1)
    _agenda_items(document, parts)
    if coverage is not None:
        heading(document, "Placing authorities: coverage", level=1)
        paragraph(document, "Each placing authority with residents at the location: whether it "
                            "was alerted and acknowledged, its link person, its reviews and open tasks.")
        table(document, coverage[0], coverage[1])
    return docx_bytes(document)


def _owner(action: Action, case: Case) -> str:
    if action.owner_kind is OwnerKind.USER and action.owner_user is not None:
        return action.owner_user.name
    if action.owner_kind is OwnerKind.AUTHORITY and action.owner_authority is not None:
        return action.owner_authority.name
    if action.owner_kind is OwnerKind.PROVIDER:
        return case.provider.name
    return action.owner_agency


def _sharing(part: Part) -> str:
    placing = "may" if part.shared_with_placing else "may not"
    note = f"Placing authorities {placing} receive this part."
    if part.number == 2:
        provider = "may" if part.shared_with_provider else "may not"
        note += f" The provider {provider} receive it."
    return note


def _minutes_text(document: Document, part: Part, host: bool) -> None:
    heading(document, part.title, level=2)
    if host:
        paragraph(document).add_run(_sharing(part)).italic = True
    paragraphs = [p.strip() for p in part.minutes.split("\n\n") if p.strip()]
    if not paragraphs:
        paragraph(document, "No minutes have been recorded for this part.")
    for text in paragraphs:
        paragraph(document, text)


def _decisions(document: Document, meeting: Meeting) -> None:
    heading(document, "Decisions", level=1)
    decisions = headings(meeting.decisions)
    if not decisions:
        paragraph(document, "No decisions recorded.")
    for decision in decisions:
        paragraph(document, decision, style="List Bullet")
    if meeting.final_decision is not None:
        outcome = ("Close the provider concerns process"
                   if meeting.final_decision is FinalDecision.CLOSE
                   else "Continue: return to quality assurance")
        heading(document, "Final decision", level=2)
        paragraph(document, outcome)
        if meeting.sustainability_rationale:
            heading(document, "Sustainability of the improvements", level=2)
            paragraph(document, meeting.sustainability_rationale)


def _actions(document: Document, case: Case, actions: list[Action], host: bool) -> None:
    heading(document, "Actions", level=1)
    if not host:
        # The host's actions for others are not this reader's to see, nor to count.
        paragraph(document, "This copy lists only the actions given to your authority.")
    if not actions:
        paragraph(document, "No actions were recorded." if host
                  else "No actions were given to your authority at this meeting.")
        return
    table(document, ("Action", "Owner", "Due", "Status"), [
        (a.description, _owner(a, case), long_date(a.due_on), a.status.label) for a in actions
    ], widths=ACTION_COLUMNS)


def minutes_document(case: Case, meeting: Meeting, *, parts: list[Part], decisions: bool,
                     actions: list[Action], withheld: bool = False) -> bytes:
    """Return the minutes of ``parts``, with attendance, decisions if readable, and actions."""
    draft = minutes_are_draft(meeting)
    document = _new_document(case, meeting, "Minutes", draft=draft)
    _title(document, meeting, "Minutes", draft=draft)
    _details(document, case, meeting)
    if withheld:
        paragraph(document,
                  "This copy holds only what the host authority has shared with your authority.")
    _attendees(document, meeting, parts, minutes=True)
    heading(document, "Minutes", level=1)
    if not parts:
        paragraph(document, "No part of the minutes has been shared with your authority.")
    for part in parts:
        _minutes_text(document, part, host=not withheld)
    if decisions:
        _decisions(document, meeting)
    _actions(document, case, actions, host=not withheld)
    return docx_bytes(document)


def file_name(case: Case, meeting: Meeting, what: str) -> str:
    """Name the file by the day the meeting was held, or else the day it is scheduled for."""
    day = local_date(meeting.held_at or meeting.scheduled_for)
    return f"{case.reference}-{meeting.kind.value}-{what}-{day:%Y-%m-%d}.docx"

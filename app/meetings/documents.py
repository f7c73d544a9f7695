"""Agenda and minutes as Word documents, laid out as a council circulates them.

The caller decides what the reader may see: ``minutes_document`` is given the parts and whether
the decisions are readable (``services.readable_parts``, ``services.decisions_readable``).
"""

from __future__ import annotations

from collections.abc import Iterable

from docx import Document

from app.actions.models import Action, OwnerKind
from app.cases.models import Case
from app.documents import council_document, docx_bytes
from app.meetings.agendas import headings
from app.meetings.models import FinalDecision, Meeting, MeetingAttendee
from app.meetings.services import Part, local, parts_of


def _new_document(case: Case) -> Document:
    return council_document(case.host_authority.name, case.reference)


def _title(document: Document, meeting: Meeting, what: str) -> None:
    document.add_heading("Provider Concerns Meeting", level=0)
    document.add_paragraph(f"{meeting.kind.label}: {what}", style="Subtitle")


def _details(document: Document, case: Case, meeting: Meeting) -> None:
    when = local(meeting.scheduled_for)
    held = local(meeting.held_at)
    rows = [
        ("Case reference", case.reference),
        ("Provider", case.provider.name),
        ("Location", case.location.name if case.location else "All locations"),
        ("Meeting", meeting.kind.label),
        ("Date", f"{when:%A %-d %B %Y}"),
        ("Time", f"{when:%H:%M}"),
        ("Venue", meeting.venue or "To be confirmed"),
        ("Chair", case.chair.name if case.chair else "Not appointed"),
        ("Lead Officer", case.lead_officer.name if case.lead_officer else "Not appointed"),
    ]
    if held is not None:
        rows.append(("Held", f"{held:%-d %B %Y at %H:%M}"))
    _table(document, None, rows)


def _table(document: Document, header: tuple[str, ...] | None, rows: Iterable[tuple[str, ...]]):
    rows = list(rows)
    width = len(header or rows[0])
    table = document.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    document.add_paragraph()
    return table


def _attendance(attendee: MeetingAttendee) -> str:
    return {True: "Present", False: "Apologies", None: "Not recorded"}[attendee.attended]


def _attendees(document: Document, meeting: Meeting, parts: list[Part], minutes: bool) -> None:
    document.add_heading("Attendees", level=1)
    for part in parts:
        document.add_heading(part.title, level=2)
        attending = [a for a in meeting.attendees if (a.part_one if part.number == 1 else a.part_two)]
        if not attending:
            document.add_paragraph("No one has been invited to this part.")
            continue
        header = ("Name", "Organisation", "Attendance") if minutes else ("Name", "Organisation")
        _table(document, header, [
            (a.name, _organisation(a), _attendance(a))[: len(header)] for a in attending
        ])


def _organisation(attendee: MeetingAttendee) -> str:
    if attendee.authority is not None:
        return attendee.authority.name
    return attendee.organisation


def _agenda_items(document: Document, parts: list[Part]) -> None:
    number = 0
    for part in parts:
        document.add_heading(part.title, level=2)
        items = headings(part.agenda)
        if not items:
            document.add_paragraph("No items.")
        for item in items:
            number += 1
            document.add_paragraph(f"{number}. {item}")


def _save(document: Document) -> bytes:
    return docx_bytes(document)


def agenda_document(case: Case, meeting: Meeting) -> bytes:
    """Return the agenda: the meeting's details, who is invited to each part, the items."""
    document = _new_document(case)
    _title(document, meeting, "Agenda")
    _details(document, case, meeting)
    parts = parts_of(meeting)
    _attendees(document, meeting, parts, minutes=False)
    document.add_heading("Agenda", level=1)
    _agenda_items(document, parts)
    return _save(document)


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
    document.add_heading(part.title, level=2)
    if host:
        document.add_paragraph().add_run(_sharing(part)).italic = True
    paragraphs = [p.strip() for p in part.minutes.split("\n\n") if p.strip()]
    if not paragraphs:
        document.add_paragraph("No minutes have been recorded for this part.")
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)


def _decisions(document: Document, meeting: Meeting) -> None:
    document.add_heading("Decisions", level=1)
    decisions = headings(meeting.decisions)
    if not decisions:
        document.add_paragraph("No decisions recorded.")
    for decision in decisions:
        document.add_paragraph(decision, style="List Bullet")
    if meeting.final_decision is not None:
        outcome = ("Close the provider concerns process"
                   if meeting.final_decision is FinalDecision.CLOSE
                   else "Continue: return to quality assurance")
        document.add_heading("Final decision", level=2)
        document.add_paragraph(outcome)
        if meeting.sustainability_rationale:
            document.add_heading("Sustainability of the improvements", level=2)
            document.add_paragraph(meeting.sustainability_rationale)


def _actions(document: Document, case: Case, actions: list[Action]) -> None:
    document.add_heading("Actions", level=1)
    if not actions:
        document.add_paragraph("No actions recorded.")
        return
    _table(document, ("Action", "Owner", "Due", "Status"), [
        (a.description, _owner(a, case), f"{a.due_on:%-d %B %Y}", a.status.label) for a in actions
    ])


def minutes_document(case: Case, meeting: Meeting, *, parts: list[Part], decisions: bool,
                     actions: list[Action], withheld: bool = False) -> bytes:
    """Return the minutes of ``parts``, with attendance, decisions if readable, and actions."""
    document = _new_document(case)
    _title(document, meeting, "Minutes")
    _details(document, case, meeting)
    if withheld:
        document.add_paragraph(
            "This copy holds only what the host authority has shared with your authority."
        )
    _attendees(document, meeting, parts, minutes=True)
    document.add_heading("Minutes", level=1)
    if not parts:
        document.add_paragraph("No part of the minutes has been shared with your authority.")
    for part in parts:
        _minutes_text(document, part, host=not withheld)
    if decisions:
        _decisions(document, meeting)
    _actions(document, case, actions)
    return _save(document)

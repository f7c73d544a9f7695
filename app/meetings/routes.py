"""Staff pages for the meetings of a case: schedule, invite, minute, record as held, download.

The host's writers change meetings; any member of the host, and of a placing authority with a
live share, reads them (a placing authority only the parts of the minutes shared with it).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, is_host, readable_case_or_404
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.documents import DOCX_TYPE
from app.formatting import long_date, time_of_day
from app.htmx import InPlace
from app.jobs import in_process
from app.meetings import documents, invitations, operations, services
from app.meetings.forms import (
    LONG_TEXT,
    AttendanceForm,
    EditMeetingForm,
    ExternalAttendeeForm,
    HeldForm,
    MinutesForm,
    ScheduleForm,
    StaffAttendeeForm,
)
from app.meetings.models import FinalDecision, MeetingKind
from app.placing.coverage import agenda_table, coverage_of
from app.unit_of_work import Refused

bp = Blueprint("meetings", __name__)

# The host's staff who work the case change its meetings; viewers only read.
WRITERS = tuple(sorted(CASE_EDITORS))
CASE = "/authorities/<int:authority_id>/cases/<int:case_id>/meetings"
MEETING = CASE + "/<int:meeting_id>"


def _can_change(case) -> bool:
    membership = g.get("membership")
    # A closed case is read-only (app/cases/access.py).
    return bool(membership and membership.has_any(WRITERS) and is_host(case) and not case.closed)


def _host_meeting(case_id: int, meeting_id: int):
    case = host_case_or_404(case_id)
    return case, services.get_meeting(case, meeting_id) or abort(404)


def _readable_meeting(case_id: int, meeting_id: int):
    case = readable_case_or_404(case_id)
    return case, services.get_meeting(case, meeting_id) or abort(404)


def _meeting_url(case, meeting, anchor: str | None = None) -> str:
    return url_for("meetings.show_meeting", authority_id=g.membership.tenant_id,
                   case_id=case.id, meeting_id=meeting.id, _anchor=anchor)


@bp.route(CASE + "/new", methods=["GET", "POST"])
@member(*WRITERS)
def schedule_meeting(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = ScheduleForm()
    if request.method == "GET" and request.args.get("kind") in set(MeetingKind):
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        meeting = operations.schedule_meeting(
            current_actor(), case, kind=MeetingKind(form.kind.data), venue=form.venue.data,
            **form.part_times())
        flash(f"{meeting.kind.label} scheduled. The agenda has been filled in from the procedure.")
        return redirect(_meeting_url(case, meeting))
    return render_template("meetings/schedule.html", case=case, form=form)


def _page_context(case, meeting) -> dict:
    host = is_host(case)
    return {
        "case": case,
        "meeting": meeting,
        "host": host,
        "can_change": _can_change(case),
        "parts": services.parts_of(meeting),
        "readable_parts": services.readable_parts(meeting, host),
        "decisions_readable": services.decisions_readable(meeting, host),
        "actions": services.actions_of(meeting),
        "attendance_label": services.attendance_label,
    }


def _attendee_forms(case, meeting, **forms) -> dict:
    """Return the three attendee forms, blank unless one is given (with its input)."""
    staff = forms.get("staff_form") or StaffAttendeeForm(formdata=None)
    staff.set_people(services.staff_options(case))
    attendance = forms.get("attendance_form") or AttendanceForm(formdata=None)
    attendance.set_attendees(meeting.attendees)
    external = forms.get("external_form") or ExternalAttendeeForm(formdata=None)
    return {"staff_form": staff, "external_form": external, "attendance_form": attendance}


@bp.route(MEETING)
@member()
def show_meeting(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _readable_meeting(case_id, meeting_id)
    context = _page_context(case, meeting)
    if context["can_change"]:
        context |= _attendee_forms(case, meeting)
    return render_template("meetings/show.html", **context)


@bp.route(MEETING + "/edit", methods=["GET", "POST"])
@member(*WRITERS)
def edit_meeting(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    form = EditMeetingForm()
    if request.method == "GET":
        form.fill_part_times(meeting)
        form.venue.data = meeting.venue
        form.agenda_part_one.data = meeting.agenda_part_one
        form.agenda_part_two.data = meeting.agenda_part_two
    if form.validate_on_submit():
        operations.update_meeting(
            current_actor(), case, meeting, **form.part_times(),
            venue=form.venue.data, agenda_part_one=form.agenda_part_one.data or "",
            agenda_part_two=form.agenda_part_two.data or "")
        flash("Meeting details and agenda saved")
        return redirect(_meeting_url(case, meeting))
    return render_template("meetings/edit.html", case=case, meeting=meeting, form=form)


# Attendees: each form posts normally, or through HTMX to swap the attendees section in place.
ATTENDEES = InPlace("meetings/_attendees.html", "meetings/show.html", "failed_form")


def _attendees_response(case, meeting, status_message: str = "", **forms):
    """Answer an attendee form: the attendees alone for HTMX, else the meeting's page with
    the form that failed, or back to it after a change."""
    context = _page_context(case, meeting) | _attendee_forms(case, meeting, **forms)
    failed = next((f for f in forms.values() if f.errors), None)
    if failed is not None:
        return ATTENDEES.form_response(failed, **context)
    return ATTENDEES.done(status_message, _meeting_url(case, meeting, "attendees"), **context)


@bp.route(MEETING + "/attendees/staff", methods=["POST"])
@member(*WRITERS)
def add_staff_attendee(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    options = {option.value: option for option in services.staff_options(case)}
    form = StaffAttendeeForm()
    form.set_people(options.values())
    if not form.validate():
        return _attendees_response(case, meeting, staff_form=form)
    chosen = options[form.person.data]
    try:
        operations.add_attendee(
            current_actor(), case, meeting,
            operations.Invitee(name=chosen.name, email="", user_id=chosen.user_id,
                               authority_id=chosen.authority_id),
            part_one="one" in form.parts.data, part_two="two" in form.parts.data)
    except Refused as refused:
        form.person.errors.append(str(refused))
        return _attendees_response(case, meeting, staff_form=form)
    return _attendees_response(case, meeting, f"{chosen.name} added")


@bp.route(MEETING + "/attendees/external", methods=["POST"])
@member(*WRITERS)
def add_external_attendee(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    form = ExternalAttendeeForm()
    if not form.validate():
        return _attendees_response(case, meeting, external_form=form)
    operations.add_attendee(
        current_actor(), case, meeting,
        operations.Invitee(name=form.name.data, organisation=form.organisation.data,
                           email=form.email.data or ""),
        part_one="one" in form.parts.data, part_two="two" in form.parts.data)
    return _attendees_response(case, meeting, f"{form.name.data} added")


@bp.route(MEETING + "/attendees/<int:attendee_id>/remove", methods=["POST"])
@member(*WRITERS)
def remove_attendee(authority_id: int, case_id: int, meeting_id: int, attendee_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    attendee = services.get_attendee(meeting, attendee_id) or abort(404)
    name = attendee.name
    operations.remove_attendee(current_actor(), case, meeting, attendee)
    return _attendees_response(case, meeting, f"{name} removed")


@bp.route(MEETING + "/attendance", methods=["POST"])
@member(*WRITERS)
def record_attendance(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    form = AttendanceForm()
    form.set_attendees(meeting.attendees)
    if not form.validate():
        return _attendees_response(case, meeting, attendance_form=form)
    operations.record_attendance(current_actor(), case, meeting, set(form.attended.data or []),
                                 set(form.apologies.data or []))
    return _attendees_response(case, meeting, "Attendance saved")


@bp.route(MEETING + "/invitations", methods=["POST"])
@member(*WRITERS)
def send_invitations(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    sent = invitations.send_invitations(current_actor(), case, meeting)
    flash(_invitations_outcome(sent, in_process.deliver_now()))
    return redirect(_meeting_url(case, meeting, "attendees"))


def _invitations_outcome(count: int, delivery: in_process.Delivery) -> str:
    if not count:
        return "Nobody invited has an email address yet"
    if delivery is in_process.Delivery.SENT:
        return f"Invitations sent to {count} people"
    if delivery is in_process.Delivery.QUEUED:
        return f"Invitations to {count} people are on their way"
    if delivery is in_process.Delivery.RETRYING:
        return f"Invitations to {count} people could not all be sent yet: they will be retried"
    return f"Invitations to {count} people could not all be sent: see messages that need a decision"


@bp.route(MEETING + "/cancel", methods=["POST"])
@member(*WRITERS)
def cancel_meeting(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    try:
        withdrawn = operations.cancel_meeting(current_actor(), case, meeting)
    except Refused as refused:
        flash(str(refused))
        return redirect(_meeting_url(case, meeting))
    flash(f"{meeting.kind.label} cancelled"
          + (f". {withdrawn} calendar invitations have been withdrawn." if withdrawn else "."))
    return redirect(_meeting_url(case, meeting))


# Minutes and the meeting held. Long texts are kept as drafts while typed (autosave.js).


def _restore_drafts(form, meeting, fields) -> list:
    """Put the user's newer unsaved drafts into the form; return them for the notice."""
    if form.is_submitted():
        return []
    restored = services.newer_drafts(meeting, current_user.id, fields)
    for draft in restored:
        getattr(form, draft.field).data = draft.text
    return restored


@bp.route(MEETING + "/minutes", methods=["GET", "POST"])
@member(*WRITERS)
def edit_minutes(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    form = MinutesForm(obj=meeting)
    restored = _restore_drafts(form, meeting, list(operations.MINUTES_FIELDS))
    if form.validate_on_submit():
        operations.save_minutes(
            current_actor(), case, meeting,
            **{name: form[name].data or "" for name in operations.MINUTES_FIELDS},
            part_one_shared_with_placing=form.part_one_shared_with_placing.data,
            part_two_shared_with_placing=form.part_two_shared_with_placing.data,
            part_two_shared_with_provider=form.part_two_shared_with_provider.data,
            minutes_final=form.minutes_final.data)
        flash("Minutes saved")
        return redirect(_meeting_url(case, meeting, "minutes"))
    return render_template("meetings/minutes.html", case=case, meeting=meeting, form=form,
                           restored=restored)


def _held_form(meeting) -> HeldForm:
    final = meeting.kind is MeetingKind.FINAL
    form = HeldForm(final=final)
    if request.method == "GET":
        when = services.local(meeting.held_at or meeting.scheduled_for)
        form.day.data, form.time.data = when.date(), f"{when:%H:%M}"
        if final:
            form.final_decision.data = meeting.final_decision
            form.sustainability_rationale.data = meeting.sustainability_rationale
    return form


@bp.route(MEETING + "/held", methods=["GET", "POST"])
@member(*WRITERS)
def record_held(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    if meeting.cancelled_at is not None:
        flash("This meeting was cancelled: it cannot be recorded as held")
        return redirect(_meeting_url(case, meeting))
    form = _held_form(meeting)
    restored = _restore_drafts(form, meeting, ["sustainability_rationale"]) if form.final else []
    if form.validate_on_submit():
        extra = {}
        if form.final:
            extra = {"final_decision": FinalDecision(form.final_decision.data),
                     "sustainability_rationale": form.sustainability_rationale.data or ""}
        operations.record_held(current_actor(), case, meeting, held_at=form.held_at, **extra)
        flash(f"{meeting.kind.label} recorded as held")
        return redirect(_meeting_url(case, meeting))
    return render_template("meetings/held.html", case=case, meeting=meeting, form=form,
                           restored=restored)


def _draft_field(meeting) -> str:
    field = request.form.get("field", "")
    if field not in services.DRAFT_FIELDS:
        abort(400)
    if field == "sustainability_rationale" and meeting.kind is not MeetingKind.FINAL:
        abort(400)
    return field


@bp.route(MEETING + "/drafts", methods=["POST"])
@member(*WRITERS)
def save_draft(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    field = _draft_field(meeting)
    text = request.form.get("text", "")
    if len(text) > LONG_TEXT:
        abort(413)
    draft = operations.save_draft(current_actor(), meeting, field, text)
    return jsonify(field=field, saved_at=time_of_day(draft.saved_at))


@bp.route(MEETING + "/drafts/discard", methods=["POST"])
@member(*WRITERS)
def discard_drafts(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _host_meeting(case_id, meeting_id)
    operations.discard_drafts(current_actor(), meeting)
    flash("Your unsaved drafts have been discarded")
    back = "meetings.record_held" if request.form.get("back") == "held" else "meetings.edit_minutes"
    return redirect(url_for(back, authority_id=authority_id, case_id=case.id, meeting_id=meeting.id))


# Word documents.


def _docx(data: bytes, case, meeting, what: str):
    name = documents.file_name(case, meeting, what)
    response = make_response(data)
    response.mimetype = DOCX_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(MEETING + "/agenda.docx")
@member()
def download_agenda(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _readable_meeting(case_id, meeting_id)
    # Only the host's own copy carries the coverage table: it counts every authority's residents.
    coverage = None
    if is_host(case) and g.membership.has_any(RESIDENT_READERS):
        coverage = agenda_table(coverage_of(case), long_date)
    return _docx(documents.agenda_document(case, meeting, coverage), case, meeting, "agenda")


@bp.route(MEETING + "/minutes.docx")
@member()
def download_minutes(authority_id: int, case_id: int, meeting_id: int):
    case, meeting = _readable_meeting(case_id, meeting_id)
    host = is_host(case)
    data = documents.minutes_document(
        case, meeting, parts=services.readable_parts(meeting, host),
        decisions=services.decisions_readable(meeting, host),
        actions=services.actions_of(meeting), withheld=not host)
    return _docx(data, case, meeting, "minutes")

"""The actions of a case.

Host staff who work the case add actions, change them and move them through open, in
progress, done or cancelled, in place through HTMX or through plain pages when JavaScript is
off; viewers read; a placing authority with a share reads the actions its own authority owns.
The case's risks and actions section shows ``actions/_case_section.html`` with what
``app.actions.sections`` loads; an HTMX request here gets that partial alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import shorten

from flask import (
    Blueprint,
    abort,
    g,
    request,
    url_for,
)

from app.actions import operations, services
from app.actions.forms import ActionForm, EditActionForm, StatusForm
from app.actions.models import Action, ActionStatus
from app.actions.sections import actions_of_case
from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, readable_case_or_404
from app.cases.models import Case
from app.cases.roles import CASE_EDITORS
from app.formatting import long_date
from app.forms import Form
from app.htmx import CaseSection

bp = Blueprint("actions", __name__,
               url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/actions")

WRITERS = tuple(sorted(CASE_EDITORS))
PREFIX = "action"
HEADINGS = {"add": "Add an action", "edit": "Change an action", "status": "Update an action's status"}
ENDPOINTS = {"add": "actions.add_action", "edit": "actions.edit_action",
             "status": "actions.change_action_status"}


@dataclass(frozen=True)
class OpenForm:
    """The one action form open in the section (or on its own page), with input and errors."""

    kind: str
    form: Form
    action: Action | None = None

    @property
    def heading(self) -> str:
        return HEADINGS[self.kind]

    @property
    def title(self) -> str:
        """The page title's first part: the task and, when changing one, which action."""
        if self.action is None:
            return self.heading
        return f"{self.heading}: {shorten(self.action.description, 60, placeholder='...')}"

    def url(self, case: Case) -> str:
        ids = {"action_id": self.action.id} if self.action else {}
        return url_for(ENDPOINTS[self.kind], authority_id=g.membership.tenant_id,
                       case_id=case.id, **ids)


def _meeting_label(meeting) -> str:
    """Name a meeting by the day it was held, or else the day it is scheduled for."""
    if meeting.held_at is not None:
        return f"{meeting.kind.label}, held {long_date(meeting.held_at)}"
    return f"{meeting.kind.label}, {long_date(meeting.scheduled_for)}"


# Answers: the actions alone for HTMX, else a page of its own or back to the risks and
# actions section of the case.
SECTION = CaseSection("actions/_case_section.html", "actions/form.html", "action_form",
                      loader=lambda case: actions_of_case(case, current_actor()),
                      section="risks-and-actions", anchor="actions")


def _host_action(case_id: int, action_id: int) -> tuple[Case, Action]:
    case = host_case_or_404(case_id)
    action = services.get_action(case, action_id)
    if action is None:
        abort(404)
    return case, action


def _details_form(case: Case, form_class, action: Action | None = None):
    """Return the add or change form with the case's owners and meetings to choose from."""
    form = form_class(prefix=PREFIX, obj=action)
    form.set_owners(services.owner_choices(case, action))
    meetings = services.meetings_of(case)
    form.set_meetings(meetings, _meeting_label)
    if request.method == "GET" and action is not None:
        form.owner.data = services.owner_of(action).value
        form.meeting.data = str(action.meeting_id or "")
    elif request.method == "GET":
        # The meetings page can open this form for the meeting the action is agreed at.
        asked = request.args.get("meeting", "")
        form.meeting.data = asked if asked in {str(m.id) for m in meetings} else ""
    return form


@bp.route("")
@member()
def list_actions(authority_id: int, case_id: int):
    return SECTION.show(readable_case_or_404(case_id))


@bp.route("/new", methods=["GET", "POST"])
@member(*WRITERS)
def add_action(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = _details_form(case, ActionForm)
    if not form.validate_on_submit():
        return SECTION.form_response(case, OpenForm("add", form))
    operations.add_action(current_actor(), case, form.details())
    return SECTION.done(case, "Action added")


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@member(*WRITERS)
def edit_action(authority_id: int, case_id: int, action_id: int):
    case, action = _host_action(case_id, action_id)
    form = _details_form(case, EditActionForm, action)
    if not form.validate_on_submit():
        return SECTION.form_response(case, OpenForm("edit", form, action))
    operations.edit_action(current_actor(), case, action, form.details())
    return SECTION.done(case, "Action changed")


@bp.route("/<int:action_id>/status", methods=["GET", "POST"])
@member(*WRITERS)
def change_action_status(authority_id: int, case_id: int, action_id: int):
    case, action = _host_action(case_id, action_id)
    form = StatusForm(prefix=PREFIX)
    if request.method == "GET":
        form.status.data, form.completion_note.data = action.status.value, action.completion_note
    if not form.validate_on_submit():
        return SECTION.form_response(case, OpenForm("status", form, action))
    status = ActionStatus(form.status.data)
    operations.change_status(current_actor(), case, action, status, form.completion_note.data or "")
    return SECTION.done(case, f"Action marked {status.label.lower()}")

"""The actions of a case.

Host staff who work the case add actions, change them and move them through open, in
progress, done or cancelled, in place through HTMX or through plain pages when JavaScript is
off; viewers read; a placing authority with a share reads the actions its own authority owns.
The case page includes ``actions/_case_section.html``, which loads its rows through the
``case_actions`` helper.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import shorten

from flask import (
    Blueprint,
    abort,
    g,
    make_response,
    render_template,
    request,
    url_for,
)

from app.actions import operations, services
from app.actions.forms import ActionForm, EditActionForm, StatusForm
from app.actions.models import Action, ActionStatus
from app.actions.placing_updates import latest_placing_updates
from app.actions.provider_updates import latest_updates
from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, is_host, readable_case_or_404
from app.cases.models import Case
from app.cases.roles import CASE_EDITORS
from app.extensions import db, htmx
from app.formatting import long_date
from app.forms import Form
from app.htmx import CaseSection, vary

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


def _can_change(case: Case) -> bool:
    membership = g.get("membership")
    # A closed case is read-only (app/cases/access.py).
    return bool(membership and membership.has_any(WRITERS) and is_host(case) and not case.closed)


def actions_section(case: Case) -> dict:
    """Return what the section shows: every action to the host, a placing authority its own."""
    actions = services.actions_of(case, g.membership.tenant_id)
    today = services.today()
    return {"host": is_host(case), "actions": actions, "can_change": _can_change(case),
            "today": today, "overdue": sum(action.is_overdue(today) for action in actions),
            "owner": lambda action: services.owner_label(action, case),
            # The provider's own word on the actions it owns, for the host.
            "provider_updates": latest_updates(case.id) if is_host(case) else {},
            # A placing authority's word on the actions it owns: for the host, and for itself.
            "placing_updates": latest_placing_updates(case.id),
            "can_update_own": not is_host(case) and not case.closed
            and bool(g.get("membership") and g.membership.has_any(CASE_EDITORS))}


@bp.app_context_processor
def _action_helpers() -> dict:
    return {"case_actions": actions_section}


def _meeting_label(meeting) -> str:
    """Name a meeting by the day it was held, or else the day it is scheduled for."""
    if meeting.held_at is not None:
        return f"{meeting.kind.label}, held {long_date(meeting.held_at)}"
    return f"{meeting.kind.label}, {long_date(meeting.scheduled_for)}"


# Answers: the section alone for HTMX, else a page of its own or back to the case page.


SECTION = CaseSection("actions", "action_form")
_section = SECTION.render
_form_response = SECTION.form_response
_done = SECTION.done
_vary = vary


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
    case = readable_case_or_404(case_id)
    body = _section(case) if htmx else render_template("actions/list.html", case=case)
    return _vary(make_response(body))


@bp.route("/new", methods=["GET", "POST"])
@member(*WRITERS)
def add_action(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = _details_form(case, ActionForm)
    if not form.validate_on_submit():
        return _form_response(case, OpenForm("add", form))
    operations.add_action(current_actor(), case, form.details())
    db.session.commit()
    return _done(case, "Action added")


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@member(*WRITERS)
def edit_action(authority_id: int, case_id: int, action_id: int):
    case, action = _host_action(case_id, action_id)
    form = _details_form(case, EditActionForm, action)
    if not form.validate_on_submit():
        return _form_response(case, OpenForm("edit", form, action))
    operations.edit_action(current_actor(), case, action, form.details())
    db.session.commit()
    return _done(case, "Action changed")


@bp.route("/<int:action_id>/status", methods=["GET", "POST"])
@member(*WRITERS)
def change_action_status(authority_id: int, case_id: int, action_id: int):
    case, action = _host_action(case_id, action_id)
    form = StatusForm(prefix=PREFIX)
    if request.method == "GET":
        form.status.data, form.completion_note.data = action.status.value, action.completion_note
    if not form.validate_on_submit():
        return _form_response(case, OpenForm("status", form, action))
    status = ActionStatus(form.status.data)
    operations.change_status(current_actor(), case, action, status, form.completion_note.data or "")
    db.session.commit()
    return _done(case, f"Action marked {status.label.lower()}")

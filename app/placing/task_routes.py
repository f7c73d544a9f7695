"""Delegated tasks on a shared case, for the host and for each placing authority with a live
share: each sees the tasks it asked for or was asked to do, never another authority's."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from wtforms.fields.choices import SelectChoice

from app.auth.access import member
from app.cases.access import current_actor, is_host, readable_case_or_404
from app.cases.models import Case
from app.cases.roles import CASE_EDITORS, RESIDENT_READERS
from app.db import utcnow
from app.london_time import london_date
from app.placing import delegation
from app.placing.forms import AskTaskForm, TaskOutcomeForm
from app.placing.tasks import DelegatedTask, TaskStatus

bp = Blueprint("placing_tasks", __name__)
EDITORS = RESIDENT_READERS & CASE_EDITORS


def _ask_form(case: Case, **kwargs) -> AskTaskForm:
    form = AskTaskForm(**kwargs)
    if is_host(case):
        form.placing_authority_id.choices = [SelectChoice(0, "Select a placing authority")] + [
            SelectChoice(share.placing_authority_id, share.placing_authority.name)
            for share in delegation.live_placing_authorities(case)]
    else:
        # A placing authority asks the host: the field carries its own id, checked again below.
        form.placing_authority_id.choices = [SelectChoice(current_actor().authority_id, case.host_authority.name)]
        form.placing_authority_id.data = current_actor().authority_id
    return form


def _outcome_forms(tasks: list[DelegatedTask], failed: tuple[int, TaskOutcomeForm] | None = None) -> dict:
    forms = {}
    authority_id = current_actor().authority_id
    for task in tasks:
        if task.assignee_authority_id != authority_id or task.status is TaskStatus.CANCELLED:
            continue
        if failed and failed[0] == task.id:
            forms[task.id] = failed[1]
        else:
            forms[task.id] = TaskOutcomeForm(formdata=None, prefix=f"task-{task.id}", obj=task,
                                             status=task.status.value)
    return forms


def _render(case: Case, ask_form: AskTaskForm | None = None, failed=None):
    tasks = delegation.tasks_of(case.id)
    can_edit = bool(current_actor().roles & CASE_EDITORS) and not case.closed
    ask_form = ask_form or _ask_form(case, formdata=None)
    return render_template(
        "placing/tasks.html", case=case, tasks=tasks, is_host=is_host(case), can_edit=can_edit,
        ask_form=ask_form, outcome_forms=_outcome_forms(tasks, failed) if can_edit else {},
        form=ask_form if ask_form.errors else (failed[1] if failed else None),
        today=london_date(utcnow()))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/tasks")
@member(*RESIDENT_READERS)
def list_tasks(authority_id: int, case_id: int):
    return _render(readable_case_or_404(case_id))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/tasks", methods=["POST"])
@member(*EDITORS)
def ask_task(authority_id: int, case_id: int):
    case = readable_case_or_404(case_id)
    form = _ask_form(case)
    if not form.validate_on_submit():
        return _render(case, ask_form=form)
    try:
        delegation.ask(current_actor(), case, placing_authority_id=form.placing_authority_id.data,
                       description=form.description.data, due_on=form.due_on.data)
    except delegation.TaskRefused:
        abort(403, description="no_live_share")
    flash("Task asked for: the other authority sees it now.")
    return redirect(url_for("placing_tasks.list_tasks", authority_id=authority_id, case_id=case_id))


def _task_or_404(case: Case, task_id: int) -> DelegatedTask:
    task = delegation.get_task(case.id, task_id)
    if task is None:
        abort(404)
    return task


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/tasks/<int:task_id>/outcome",
          methods=["POST"])
@member(*EDITORS)
def record_task_outcome(authority_id: int, case_id: int, task_id: int):
    case = readable_case_or_404(case_id)
    task = _task_or_404(case, task_id)
    if task.assignee_authority_id != authority_id:
        abort(403, description="not_the_task_owner")
    form = TaskOutcomeForm(prefix=f"task-{task.id}")
    if not form.validate_on_submit():
        return _render(case, failed=(task.id, form))
    delegation.record_outcome(current_actor(), task, status=TaskStatus(form.status.data),
                              outcome=form.outcome.data)
    flash("Outcome saved: the authority that asked sees it now.")
    return redirect(url_for("placing_tasks.list_tasks", authority_id=authority_id, case_id=case_id))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/tasks/<int:task_id>/withdraw",
          methods=["POST"])
@member(*EDITORS)
def withdraw_task(authority_id: int, case_id: int, task_id: int):
    case = readable_case_or_404(case_id)
    task = _task_or_404(case, task_id)
    try:
        delegation.withdraw(current_actor(), task)
    except delegation.TaskRefused:
        abort(403, description="not_the_asker")
    flash("Task withdrawn.")
    return redirect(url_for("placing_tasks.list_tasks", authority_id=authority_id, case_id=case_id))


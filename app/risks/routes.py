"""The risk register of a case.

Host staff who work the case add, edit, rescore and close risks, in place through HTMX or
through plain pages when JavaScript is off; viewers read; a placing authority with a share
reads only the CQC key question and RAG of each open risk. The case's risks and actions
section shows ``risks/_case_section.html`` with what ``app.risks.sections`` loads; an HTMX
request here gets that partial alone.
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

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, readable_case_or_404
from app.cases.models import Case
from app.cases.roles import CASE_EDITORS
from app.forms import Form
from app.htmx import CaseSection
from app.risks import operations, services
from app.risks.forms import CloseRiskForm, EditRiskForm, RescoreForm, RiskForm
from app.risks.models import Risk
from app.risks.sections import register_of

bp = Blueprint("risks", __name__,
               url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/risks")

WRITERS = tuple(sorted(CASE_EDITORS))
PREFIX = "risk"
HEADINGS = {"add": "Add a risk", "edit": "Change a risk", "rescore": "Rescore a risk",
            "close": "Close a risk"}
ENDPOINTS = {"add": "risks.add_risk", "edit": "risks.edit_risk",
             "rescore": "risks.rescore_risk", "close": "risks.close_risk"}


@dataclass(frozen=True)
class OpenForm:
    """The one risk form open in the section (or on its own page), with its input and errors."""

    kind: str
    form: Form
    risk: Risk | None = None

    @property
    def heading(self) -> str:
        return HEADINGS[self.kind]

    @property
    def title(self) -> str:
        """The page title's first part: the task and, when changing one, which risk."""
        if self.risk is None:
            return self.heading
        return f"{self.heading}: {shorten(self.risk.title, 60, placeholder='...')}"

    def url(self, case: Case) -> str:
        ids = {"risk_id": self.risk.id} if self.risk else {}
        return url_for(ENDPOINTS[self.kind], authority_id=g.membership.tenant_id,
                       case_id=case.id, **ids)


# Answers: the register alone for HTMX, else a page of its own or back to the risks and
# actions section of the case.
SECTION = CaseSection("risks/_case_section.html", "risks/form.html", "risk_form",
                      loader=lambda case: register_of(case, current_actor()),
                      section="risks-and-actions", anchor="risks")


def _open_risk(case_id: int, risk_id: int) -> tuple[Case, Risk]:
    case = host_case_or_404(case_id)
    risk = services.get_risk(case, risk_id)
    if risk is None:
        abort(404)
    return case, risk


def _closed(case: Case, risk: Risk):
    return SECTION.done(case, f"The risk \u201c{risk.title}\u201d is closed and cannot be changed.")


@bp.route("")
@member()
def list_risks(authority_id: int, case_id: int):
    return SECTION.show(readable_case_or_404(case_id))


@bp.route("/new", methods=["GET", "POST"])
@member(*WRITERS)
def add_risk(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = RiskForm(prefix=PREFIX)
    if not form.validate_on_submit():
        return SECTION.form_response(case, OpenForm("add", form))
    details = form.details()
    operations.add_risk(current_actor(), case, details, likelihood=int(form.likelihood.data),
                        impact=int(form.impact.data))
    return SECTION.done(case, f"Risk added: {details.title}")


@bp.route("/<int:risk_id>/edit", methods=["GET", "POST"])
@member(*WRITERS)
def edit_risk(authority_id: int, case_id: int, risk_id: int):
    case, risk = _open_risk(case_id, risk_id)
    if risk.closed_at is not None:
        return _closed(case, risk)
    form = EditRiskForm(prefix=PREFIX, obj=risk)
    if request.method == "GET":
        form.key_question.data = risk.key_question.value
    if not form.validate_on_submit():
        return SECTION.form_response(case, OpenForm("edit", form, risk))
    details = form.details()
    operations.edit_risk(current_actor(), case, risk, details)
    return SECTION.done(case, f"Risk changed: {details.title}")


@bp.route("/<int:risk_id>/rescore", methods=["GET", "POST"])
@member(*WRITERS)
def rescore_risk(authority_id: int, case_id: int, risk_id: int):
    case, risk = _open_risk(case_id, risk_id)
    if risk.closed_at is not None:
        return _closed(case, risk)
    form = RescoreForm(prefix=PREFIX)
    if request.method == "GET":
        form.likelihood.data, form.impact.data = str(risk.likelihood), str(risk.impact)
    if not form.validate_on_submit():
        return SECTION.form_response(case, OpenForm("rescore", form, risk))
    title = risk.title
    score = operations.rescore_risk(current_actor(), case, risk, note=form.note.data,
                                    likelihood=int(form.likelihood.data),
                                    impact=int(form.impact.data))
    message = f"Risk rescored: {title} is now {score.likelihood * score.impact} ({score.rag.value})"
    return SECTION.done(case, message)


@bp.route("/<int:risk_id>/close", methods=["GET", "POST"])
@member(*WRITERS)
def close_risk(authority_id: int, case_id: int, risk_id: int):
    case, risk = _open_risk(case_id, risk_id)
    if risk.closed_at is not None:
        return _closed(case, risk)
    form = CloseRiskForm(prefix=PREFIX)
    if not form.validate_on_submit():
        return SECTION.form_response(case, OpenForm("close", form, risk))
    title = risk.title
    operations.close_risk(current_actor(), case, risk, reason=form.reason.data)
    return SECTION.done(case, f"Risk closed: {title}")

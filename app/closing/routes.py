"""Stage 6 pages of a case for its host: closure letters and the contract monitoring review."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from wtforms.fields.choices import SelectChoice

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404
from app.cases.roles import CASE_EDITORS
from app.closing import operations, services
from app.closing.forms import ClosureLettersForm, ContractReviewForm
from app.closing.letters import Addressee, closure_letter, filename
from app.documents import DOCX_TYPE

bp = Blueprint("closing", __name__, url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/closure")


def _letters_form(case) -> ClosureLettersForm:
    form = ClosureLettersForm()
    form.provider_emails.choices = [
        SelectChoice(user.email, f"{user.name} ({user.email})")
        for user in services.provider_managers(case.provider_id)
    ]
    return form


def _render(case, letters_form=None, review_form=None):
    failed = letters_form if letters_form is not None and letters_form.errors else review_form
    return render_template(
        "closing/show.html", case=case, final=services.closing_meeting(case.id),
        letters_form=letters_form or _letters_form(case),
        review_form=review_form or ContractReviewForm(formdata=None),
        can_edit=bool(current_actor().roles & CASE_EDITORS), form=failed,
    )


@bp.route("")
@member()
def show_closure(authority_id: int, case_id: int):
    return _render(host_case_or_404(case_id))


@bp.route("/letters/<addressee>.docx")
@member()
def download_letter(authority_id: int, case_id: int, addressee: str):
    case = host_case_or_404(case_id)
    final = services.closing_meeting(case.id)
    if final is None or addressee not in Addressee._value2member_map_:
        abort(404)
    chosen = Addressee(addressee)
    return Response(closure_letter(case, final, chosen), mimetype=DOCX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename(case, chosen)}"'})


@bp.route("/letters", methods=["POST"])
@member(*CASE_EDITORS)
def send_letters(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = _letters_form(case)
    if services.closing_meeting(case.id) is None:
        flash("Record the final meeting's decision to close before sending the letters.", "error")
        return redirect(url_for("closing.show_closure", authority_id=authority_id, case_id=case_id))
    if not form.validate_on_submit():
        return _render(case, letters_form=form)
    sent = operations.send_closure_letters(current_actor(), case, provider_emails=form.provider_emails.data,
                                           cqc_email=form.cqc_email.data)
    flash(f"{sent} closure letters are on their way. The case shows who was told and when.")
    return redirect(url_for("closing.show_closure", authority_id=authority_id, case_id=case_id))


@bp.route("/contract-review", methods=["POST"])
@member(*CASE_EDITORS)
def record_contract_review(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    form = ContractReviewForm()
    if not form.validate_on_submit():
        return _render(case, review_form=form)
    operations.record_contract_review(current_actor(), case, reviewed_on=form.reviewed_on.data,
                                      outcome=form.outcome.data)
    flash("Contract monitoring review recorded.")
    return redirect(url_for("closing.show_closure", authority_id=authority_id, case_id=case_id))

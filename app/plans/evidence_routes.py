"""The staff side of evidence files: the host reviews each file, a placing authority with a
share reads them; both download."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.auth.access import member
from app.cases.access import current_actor, host_case_or_404, is_host, readable_case_or_404
from app.cases.roles import CASE_EDITORS
from app.plans import evidence_operations, services
from app.plans.downloads import send_evidence
from app.plans.evidence import EvidenceStatus, evidence_of_plan, get_evidence
from app.plans.evidence_forms import EvidenceReviewForm
from app.storage import storage

bp = Blueprint("evidence", __name__,
               url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/plan/evidence")
WRITERS = tuple(sorted(CASE_EDITORS))


@bp.route("")
@member()
def show_evidence(authority_id: int, case_id: int):
    case = readable_case_or_404(case_id)
    return _page(case)


def _review_form(evidence_id: int, formdata=None) -> EvidenceReviewForm:
    # One form per file, each with its own field names and ids, so that an error links to
    # the right file's fields.
    return EvidenceReviewForm(formdata=formdata, prefix=f"evidence-{evidence_id}")


def _page(case, failed: EvidenceReviewForm | None = None, status=200):
    plan = services.plan_of(case)
    evidence = evidence_of_plan(plan.id) if plan else {}
    forms = {file.id: _review_form(file.id) for files in evidence.values() for file in files}
    if failed is not None:
        forms[failed.evidence_id] = failed
    return render_template(
        "plans/evidence.html", case=case, plan=plan, evidence=evidence, forms=forms,
        can_review=is_host(case) and not case.closed,
        form=failed or EvidenceReviewForm(formdata=None)), status


@bp.route("/<int:evidence_id>/review", methods=["POST"])
@member(*WRITERS)
def review_evidence(authority_id: int, case_id: int, evidence_id: int):
    case = host_case_or_404(case_id)
    evidence = get_evidence(case.id, evidence_id) or abort(404)
    form = _review_form(evidence.id, formdata=request.form)
    form.evidence_id = evidence.id
    if not form.validate_on_submit():
        return _page(case, failed=form, status=400)
    status = EvidenceStatus(form.outcome.data)
    evidence_operations.review_evidence(current_actor(), case, evidence, status,
                                        form.comment.data or "")
    flash(f"{evidence.original_name}: {status.label.lower()}")
    return redirect(url_for("evidence.show_evidence", authority_id=authority_id,
                            case_id=case.id))


@bp.route("/<int:evidence_id>")
@member()
def download_evidence(authority_id: int, case_id: int, evidence_id: int):
    case = readable_case_or_404(case_id)
    evidence = get_evidence(case.id, evidence_id) or abort(404)
    return send_evidence(storage(), evidence)

"""The provider's evidence files in the portal: upload against a plan item, download, and see
the host's review."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.auth.access import provider_user
from app.extensions import csrf
from app.plans import evidence_operations, services, uploads
from app.plans.downloads import send_evidence
from app.plans.evidence import get_evidence
from app.plans.evidence_forms import EvidenceUploadForm
from app.provider_portal.access import concern_or_404
from app.storage import storage

bp = Blueprint("provider_evidence", __name__,
               url_prefix="/provider/cases/<int:case_id>/plan")



def _item(case, item_id: int):
    plan = services.plan_of(case) or abort(404)
    return services.get_item(plan, item_id) or abort(404)


def _page(case, item, form, status=200):
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    return render_template("provider_portal/evidence_form.html", case=case, item=item,
                           form=form, limit_words=uploads.size_words(limit)), status


@bp.route("/items/<int:item_id>/evidence", methods=["GET", "POST"])
@provider_user()
def upload_evidence(case_id: int, item_id: int):
    case = concern_or_404(case_id)
    item = _item(case, item_id)
    if request.method == "GET":
        return _page(case, item, EvidenceUploadForm(formdata=None))
    try:
        received = uploads.receive(request.environ, storage(),
                                   current_app.config["EVIDENCE_MAX_BYTES"],
                                   current_app.config["MAX_FORM_MEMORY_SIZE"])
    except uploads.UploadRefused as refused:
        form = EvidenceUploadForm(formdata=None)
        form.refuse(str(refused))
        return _page(case, item, form, 400)
    form = EvidenceUploadForm(formdata=received.form)
    if not form.validate() or received.file is None:
        received.abort()
        if received.file is None and not form.errors:
            form.refuse("Select a file")
        return _page(case, item, form, 400)
    evidence = evidence_operations.add_evidence(storage(), item, received.file, current_user)
    flash(f"{evidence.original_name} was uploaded: the host authority will review it")
    return redirect(url_for("provider_plans.show_plan", case_id=case.id))


# The body is parsed in the view itself, as it streams to storage: the global CSRF check would
# read it first (spooling the file). The form's own CSRF field is checked instead, above.
csrf.exempt(upload_evidence)


@bp.route("/evidence/<int:evidence_id>")
@provider_user()
def download_evidence(case_id: int, evidence_id: int):
    case = concern_or_404(case_id)
    evidence = get_evidence(case.id, evidence_id) or abort(404)
    return send_evidence(storage(), evidence)

"""The provider's first response in the portal."""

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
from app.first_response import operations, services
from app.first_response.forms import FirstResponseForm
from app.plans import uploads
from app.plans.downloads import send_stored
from app.provider_portal.access import concern_or_404
from app.storage import storage

bp = Blueprint("provider_first_response", __name__,
               url_prefix="/provider/cases/<int:case_id>/first-response")



def _page(case, form, status=200):
    return render_template("provider_portal/first_response.html", case=case, form=form,
                           responses=services.responses_of(case),
                           closed=services.cannot_respond(case)), status


@bp.route("", methods=["GET", "POST"])
@provider_user()
def send_response(case_id: int):
    case = concern_or_404(case_id)
    if request.method == "GET":
        return _page(case, FirstResponseForm(formdata=None))
    problem = services.cannot_respond(case)
    if problem:
        flash(problem, "error")
        return redirect(url_for("provider_first_response.send_response", case_id=case.id))
    try:
        received = uploads.receive(request.environ, storage(),
                                   current_app.config["EVIDENCE_MAX_BYTES"],
                                   current_app.config["MAX_FORM_MEMORY_SIZE"],
                                   folder="response")
    except uploads.UploadRefused as refused:
        form = FirstResponseForm(formdata=None)
        form.refuse(str(refused))
        return _page(case, form, 400)
    form = FirstResponseForm(formdata=received.form)
    if not form.validate():
        received.abort()
        return _page(case, form, 400)
    operations.send_response(storage(), case, form.message.data, received.file, current_user)
    flash("Your response was sent to the host authority")
    return redirect(url_for("provider_first_response.send_response", case_id=case.id))


# The body is parsed in the view as it streams to storage (see app.plans.evidence_provider_routes);
# the form's own CSRF field is checked instead.
csrf.exempt(send_response)


@bp.route("/<int:response_id>/file")
@provider_user()
def download_file(case_id: int, response_id: int):
    case = concern_or_404(case_id)
    response = services.get_response(case, response_id) or abort(404)
    if response.storage_key is None:
        abort(404)
    return send_stored(storage(), response)

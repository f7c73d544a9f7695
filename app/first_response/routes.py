"""The host reads the provider's first response and downloads its files."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from app.auth.access import member
from app.cases.access import host_case_or_404
from app.first_response import services
from app.plans.downloads import send_stored
from app.storage import storage

bp = Blueprint("first_response", __name__,
               url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/first-response")


@bp.route("")
@member()
def show_responses(authority_id: int, case_id: int):
    case = host_case_or_404(case_id)
    return render_template("first_response/show.html", case=case,
                           responses=services.responses_of(case))


@bp.route("/<int:response_id>/file")
@member()
def download_file(authority_id: int, case_id: int, response_id: int):
    case = host_case_or_404(case_id)
    response = services.get_response(case, response_id) or abort(404)
    if response.storage_key is None:
        abort(404)
    return send_stored(storage(), response)

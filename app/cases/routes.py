"""Staff pages for cases (the stage process builds on these)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from app.auth.access import member
from app.cases import services

bp = Blueprint("cases", __name__)


@bp.route("/authorities/<int:authority_id>/cases")
@member()
def list_cases(authority_id: int):
    return render_template("cases/list.html", cases=services.list_cases(authority_id))


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>")
@member()
def show_case(authority_id: int, case_id: int):
    case = services.get_case(case_id)
    if case is None:
        # Another authority's case is "not found", not "forbidden": its existence is private.
        abort(404)
    return render_template("cases/show.html", case=case)

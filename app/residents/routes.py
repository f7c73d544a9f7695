from __future__ import annotations

from flask import Blueprint, abort, render_template

from app.auth.access import member
from app.cases.roles import RESIDENT_READERS
from app.pagination import paginate
from app.residents import services

bp = Blueprint("residents", __name__)




@bp.route("/authorities/<int:authority_id>/residents")
@member(*RESIDENT_READERS)
def list_residents(authority_id: int):
    page = paginate(services.residents_in_view())
    return render_template("residents/list.html", residents=page.items, page=page)


@bp.route("/authorities/<int:authority_id>/residents/<int:resident_id>")
@member(*RESIDENT_READERS)
def show_resident(authority_id: int, resident_id: int):
    resident = services.get_resident(resident_id)
    if resident is None:
        abort(404)
    return render_template("residents/show.html", resident=resident)

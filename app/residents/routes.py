from __future__ import annotations

from flask import Blueprint, abort, render_template

from app.auth.access import member
from app.residents import services
from app.tenants.models import Role

bp = Blueprint("residents", __name__)

# Resident-identifiable data: not for viewers or contracts officers.
READERS = (
    Role.DASS,
    Role.LEAD_OFFICER,
    Role.COORDINATOR,
    Role.CHAIR,
    Role.PRACTITIONER,
)


@bp.route("/authorities/<int:authority_id>/residents")
@member(*READERS)
def list_residents(authority_id: int):
    return render_template("residents/list.html", residents=services.list_residents())


@bp.route("/authorities/<int:authority_id>/residents/<int:resident_id>")
@member(*READERS)
def show_resident(authority_id: int, resident_id: int):
    resident = services.get_resident(resident_id)
    if resident is None:
        abort(404)
    return render_template("residents/show.html", resident=resident)

"""The provider intelligence board and recording intelligence before any case exists."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.auth.access import member
from app.cases.access import current_actor
from app.cases.models import IntelligenceSource
from app.cases.operations import add_intelligence
from app.cases.roles import CASE_EDITORS
from app.htmx import InPlace
from app.ids import as_id
from app.intelligence import services
from app.intelligence.forms import NewIntelligenceForm
from app.pagination import paginate_list

bp = Blueprint("intelligence", __name__)

BOARD = "/authorities/<int:authority_id>/intelligence"


# The board: the period form gets it back alone through HTMX, else the whole page.
BOARD_PAGE = InPlace("intelligence/_board.html", "intelligence/board.html")


@bp.route(BOARD)
@member()
def show_board(authority_id: int):
    months = services.chosen_period(request.args.get("months"))
    board = services.board(authority_id, months)
    context = {
        "board": board,
        "page": paginate_list(board.rows),
        "periods": services.PERIODS,
        "columns": services.COLUMNS,
        "can_edit": current_actor().roles & CASE_EDITORS,
    }
    return BOARD_PAGE.show(**context)


def _new_intelligence_form(authority_id: int) -> NewIntelligenceForm:
    form = NewIntelligenceForm()
    form.set_places(*services.host_places(authority_id))
    chosen = request.args.get("provider", "")
    if request.method == "GET" and as_id(chosen):
        form.provider_id.data = as_id(chosen)
    return form


@bp.route(BOARD + "/new", methods=["GET", "POST"])
@member(*CASE_EDITORS)
def record_intelligence(authority_id: int):
    form = _new_intelligence_form(authority_id)
    if form.validate_on_submit():
        add_intelligence(
            current_actor(), provider_id=form.provider_id.data,
            location_id=form.location_id.data or None, case_id=None,
            source=IntelligenceSource(form.source.data), received_on=form.received_on.data,
            count=form.count.data, reference=form.reference.data or "",
            summary=form.summary.data, cqc_rating=form.cqc_rating.data,
        )
        flash(f"Intelligence about {form.provider_name()} recorded.")
        return redirect(url_for("intelligence.show_board", authority_id=authority_id))
    return render_template("intelligence/new.html", form=form)

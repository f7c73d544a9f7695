"""Staff pages for cases: the dashboard, opening a case, and the case page.

The stage pages (intelligence, assessment, decision, moves) are in ``stage_routes``; the
host's procedure settings in ``settings_routes``; both add to this blueprint.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from app.auth.access import member
from app.cases import services
from app.cases.access import current_actor, is_host, readable_case_or_404
from app.cases.forms import OpenCaseForm
from app.cases.models import Stage
from app.cases.operations import open_case
from app.cases.roles import CASE_EDITORS
from app.extensions import db
from app.ids import as_id, id_arg
from app.placing.routes import render_shared_case
from app.tenants.models import Role

bp = Blueprint("cases", __name__)


def _dashboard_filter() -> services.DashboardFilter:
    stage = request.args.get("stage", "")
    return services.DashboardFilter(
        stage=Stage(stage) if stage in Stage._value2member_map_ else None,
        provider_id=id_arg("provider"),
        lead_officer_id=id_arg("lead_officer"),
        query=request.args.get("q", "").strip()[:100],
        include_closed=request.args.get("closed") == "1",
    )


@bp.route("/authorities/<int:authority_id>/cases")
@member()
def list_cases(authority_id: int):
    chosen = _dashboard_filter()
    board = services.dashboard(authority_id, chosen)
    return render_template(
        "cases/list.html",
        page=board.cases,
        after_closing=board.after_closing,
        chosen=chosen,
        stages=list(Stage),
        providers=services.host_providers(authority_id),
        lead_officers=services.staff_of(authority_id, Role.LEAD_OFFICER),
    )


def _open_case_form(authority_id: int) -> OpenCaseForm:
    form = OpenCaseForm()
    locations = services.host_locations(authority_id)
    providers = {location.provider for location in locations}
    form.provider_id.choices = [SelectChoice(0, "Select a provider")] + [
        SelectChoice(p.id, p.name) for p in sorted(providers, key=lambda p: p.name)
    ]
    form.location_id.choices = [SelectChoice(0, "All locations")] + [
        SelectChoice(loc.id, f"{loc.name} ({loc.provider.name})") for loc in locations
    ]
    return form


@bp.route("/authorities/<int:authority_id>/cases/new", methods=["GET", "POST"])
@member(*CASE_EDITORS)
def new_case(authority_id: int):
    form = _open_case_form(authority_id)
    if request.method == "GET" and id_arg("provider"):
        form.provider_id.data = id_arg("provider")
    intelligence = services.open_intelligence(authority_id, as_id(str(form.provider_id.data)) or 0)
    if form.validate_on_submit():
        location_id = form.location_id.data or None
        if location_id and not _location_of(authority_id, form.provider_id.data, location_id):
            form.location_id.errors = ["Select a location of the chosen provider"]
        else:
            case = open_case(
                current_actor(), provider_id=form.provider_id.data, location_id=location_id,
                title=form.title.data, summary=form.summary.data or "",
                intelligence_ids=[i for i in map(as_id, request.form.getlist("intelligence")) if i],
            )
            db.session.commit()
            flash(f"Case {case.reference} opened at stage 1, decision.")
            return redirect(url_for("cases.show_case", authority_id=authority_id, case_id=case.id))
    return render_template("cases/new.html", form=form, intelligence=intelligence)


def _location_of(authority_id: int, provider_id: int, location_id: int) -> bool:
    return any(
        loc.id == location_id and loc.provider_id == provider_id
        for loc in services.host_locations(authority_id)
    )


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>")
@member()
def show_case(authority_id: int, case_id: int):
    case = readable_case_or_404(case_id)
    if not is_host(case):
        return render_shared_case(case)
    held = services.held_meetings([case.id])[case.id]
    roles = current_actor().roles
    return render_template(
        "cases/show.html",
        case=case,
        is_host=True,
        clocks=services.clocks_of(case, held),
        intelligence=services.intelligence_of(case.id),
        decision=services.decision_of(case.id),
        moves=services.moves_for(case, roles),
        stage_history=services.stage_history(case.id),
        # A closed case is read-only: no "Add a risk", "Schedule a meeting" or "Change".
        can_edit=bool(roles & CASE_EDITORS) and not case.closed,
    )




from app.cases import milestone_routes, settings_routes, stage_routes  # noqa: E402,F401  (routes on this blueprint)

"""Staff pages for cases: the dashboard, opening a case, and the case page.

The stage pages (intelligence, assessment, decision, moves) are in ``stage_routes``; the
host's procedure settings in ``settings_routes``; both add to this blueprint.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from app.auth.access import member
from app.cases import services
from app.cases.access import current_actor, readable_case_or_404
from app.cases.forms import OpenCaseForm
from app.cases.models import Stage
from app.cases.operations import Refused, open_case
from app.cases.roles import CASE_EDITORS
from app.cases.sections import OVERVIEW, render_section
from app.ids import as_id, id_arg
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
        try:
            case = open_case(
                current_actor(), provider_id=form.provider_id.data,
                location_id=form.location_id.data or None,
                title=form.title.data, summary=form.summary.data or "",
                intelligence_ids=[i for i in map(as_id, request.form.getlist("intelligence")) if i],
            )
        except Refused as refused:
            form.location_id.errors = [str(refused)]
        else:
            flash(f"Case {case.reference} opened at stage 1, decision.")
            return redirect(url_for("cases.show_case", authority_id=authority_id, case_id=case.id))
    return render_template("cases/new.html", form=form, intelligence=intelligence)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>")
@member()
def show_case(authority_id: int, case_id: int):
    """The overview of a case: its host works it here, a placing authority reads it through
    its share."""
    return render_section(readable_case_or_404(case_id), current_actor(), OVERVIEW)


@bp.route("/authorities/<int:authority_id>/cases/<int:case_id>/<case_section:section>")
@member()
def show_section(authority_id: int, case_id: int, section: str):
    """One section of a case (app/case_workspace.py lists them): refused to whoever the
    section is not for, as the records it shows are."""
    return render_section(readable_case_or_404(case_id), current_actor(), section)


from app.cases import milestone_routes, settings_routes, stage_routes  # noqa: E402,F401  (routes on this blueprint)

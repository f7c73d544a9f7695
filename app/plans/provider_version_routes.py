"""The provider: the difference between two versions of its plan, and its plan in Word."""

from __future__ import annotations

from flask import Blueprint, abort, url_for

from app.auth.access import provider_user
from app.plans import services
from app.plans.version_views import compare_page, docx_response
from app.provider_portal.access import concern_or_404

bp = Blueprint("provider_plan_versions", __name__,
               url_prefix="/provider/cases/<int:case_id>/plan")



@bp.route("/versions")
@provider_user()
def compare_versions(case_id: int):
    case = concern_or_404(case_id)
    return compare_page(case, services.plan_of(case), back_text="Back to the plan",
                        back_href=url_for("provider_plans.show_plan", case_id=case.id))


@bp.route("/plan.docx")
@provider_user()
def download_plan(case_id: int):
    case = concern_or_404(case_id)
    plan = services.plan_of(case) or abort(404)
    # The plan as it stands; under review or accepted, it is the latest version.
    latest = None if plan.status.editable else services.latest_version(plan)
    return docx_response(case, plan, plan.items, latest)

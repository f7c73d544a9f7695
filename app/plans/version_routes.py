"""Staff: the difference between two versions of a case's plan, and the plan in Word."""

from __future__ import annotations

from flask import Blueprint, abort, url_for

from app.auth.access import member
from app.cases.access import readable_case_or_404
from app.plans import services
from app.plans.version_views import compare_page, docx_response

bp = Blueprint("plan_versions", __name__,
               url_prefix="/authorities/<int:authority_id>/cases/<int:case_id>/plan")


@bp.route("/versions")
@member()
def compare_versions(authority_id: int, case_id: int):
    case = readable_case_or_404(case_id)
    return compare_page(case, services.plan_of(case), back_text="Back to the Improvement Plan",
                        back_href=url_for("plans.show_plan", authority_id=authority_id,
                                          case_id=case.id))


@bp.route("/plan.docx")
@member()
def download_plan(authority_id: int, case_id: int):
    case = readable_case_or_404(case_id)
    plan = services.plan_of(case) or abort(404)
    latest = services.latest_version(plan) or abort(404)
    return docx_response(case, plan, services.version_items(latest), latest)

"""Changes to an Improvement Plan: the provider drafts and submits, the host reviews.

Each operation checks that the change is allowed now (``cannot_submit``, ``cannot_review`` give
the reason a person can read, for the pages to show before anyone tries) and is a unit of work
(app/unit_of_work.py): it commits, its caller does not.
"""

from __future__ import annotations

from app.auth.models import User
from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.extensions import db
from app.plans.models import ImprovementPlan, PlanItem, PlanStatus, PlanVersion
from app.plans.services import latest_version, plan_of
from app.unit_of_work import Refused, operation

ITEM_FIELDS = ("area", "action", "lead", "target_on", "evidence_required", "rag")


@operation
def plan_for_provider(case: Case) -> ImprovementPlan:
    """Return the case's plan, starting a draft the first time the provider opens it."""
    plan = plan_of(case)
    if plan is None:
        plan = ImprovementPlan(tenant_id=case.tenant_id, case_id=case.id,
                               provider_id=case.provider_id, status=PlanStatus.DRAFT,
                               versions_submitted=0)
        db.session.add(plan)
        db.session.flush()
    return plan


def _refuse_unless_editable(plan: ImprovementPlan) -> None:
    if not plan.status.editable:
        raise Refused("The plan has been submitted: wait for the host authority's review")


@operation
def add_item(case: Case, values: dict) -> PlanItem:
    """Add an item to the case's plan, starting the draft if there is none yet."""
    return save_item(plan_for_provider(case), None, values)


@operation
def save_item(plan: ImprovementPlan, item: PlanItem | None, values: dict) -> PlanItem:
    """Add an item to the plan, or change one, while the plan may be edited."""
    _refuse_unless_editable(plan)
    if item is None:
        item = PlanItem(tenant_id=plan.tenant_id, case_id=plan.case_id,
                        provider_id=plan.provider_id, plan=plan)
        db.session.add(item)
    for field in ITEM_FIELDS:
        setattr(item, field, values[field])
    return item


@operation
def remove_item(item: PlanItem) -> None:
    _refuse_unless_editable(item.plan)
    db.session.delete(item)


def cannot_submit(plan: ImprovementPlan) -> str | None:
    if not plan.status.editable:
        return "The plan has been submitted: wait for the host authority's review"
    if not plan.items:
        return "Add at least one item before you submit the plan"
    return None


@operation
def submit(plan: ImprovementPlan, by: User) -> PlanVersion:
    """Submit the plan as a new version, kept as it is now. The first version sets the case's
    plan milestone (a trigger in migration 0015 writes it, as the provider may not)."""
    problem = cannot_submit(plan)
    if problem:
        raise Refused(problem)
    plan.versions_submitted += 1
    plan.status = PlanStatus.SUBMITTED
    version = PlanVersion(
        tenant_id=plan.tenant_id, case_id=plan.case_id, provider_id=plan.provider_id,
        plan_id=plan.id, number=plan.versions_submitted,
        items=[item.snapshot() for item in plan.items], submitted_by_id=by.id,
        submitted_at=utcnow(), outcome=PlanStatus.SUBMITTED, review_comment="",
        item_comments={},
    )
    db.session.add(version)
    return version


def cannot_review(plan: ImprovementPlan | None) -> str | None:
    if plan is None or plan.status is not PlanStatus.SUBMITTED:
        return "There is no submitted plan to review"
    return None


@operation
def review(actor: Actor, case: Case, plan: ImprovementPlan, outcome: PlanStatus,
           comment: str, item_comments: dict[int, str] | None = None) -> None:
    """Accept the submitted version, or return it to the provider with comments, on the
    whole and on each item that must change; the host's trail records it."""
    problem = cannot_review(plan)
    if problem:
        raise Refused(problem)
    version = latest_version(plan)
    version.outcome = outcome
    version.review_comment = comment
    version.item_comments = {str(item_id): text for item_id, text in (item_comments or {}).items()
                             if text}
    version.reviewed_at = utcnow()
    version.reviewed_by_id = actor.user.id
    plan.status = outcome
    audit_case(actor, case, f"plan.{outcome.value}", plan, None,
               {"version": plan.versions_submitted, "comment": comment,
                "item_comments": version.item_comments})

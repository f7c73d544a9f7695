"""What the Improvement Plan section of a case shows: the plan's latest submitted version and,
to the host while it waits for a review, the review form."""

from __future__ import annotations

from app.cases.models import Case
from app.cases.operations import Actor
from app.plans import operations, services
from app.plans.forms import review_form_for


def plan_section(case: Case, actor: Actor) -> dict:
    plan = services.plan_of(case)
    latest = services.latest_version(plan) if plan else None
    host = case.tenant_id == actor.authority_id
    items = services.version_items(latest)
    return {
        "plan": plan, "latest": latest, "latest_items": items,
        # A comment box per item of the version under review.
        "form": review_form_for(items)(formdata=None),
        "can_review": host and operations.cannot_review(plan) is None and not case.closed,
    }

"""Reading the provider's first response."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.models import Case, Stage
from app.extensions import db
from app.first_response.models import FirstResponse

# The first response comes before the initial meeting is held.
OPEN_STAGES = (Stage.DECISION, Stage.INITIAL_MEETING)


def responses_of(case: Case) -> list[FirstResponse]:
    return list(db.session.scalars(select(FirstResponse).where(FirstResponse.case_id == case.id)
                                   .order_by(FirstResponse.sent_at, FirstResponse.id)))


def get_response(case: Case, response_id: int) -> FirstResponse | None:
    return db.session.scalar(select(FirstResponse).where(FirstResponse.id == response_id,
                                                         FirstResponse.case_id == case.id))


def cannot_respond(case: Case) -> str | None:
    if case.stage not in OPEN_STAGES:
        return "The initial meeting has been held: send further information through the plan"
    return None

"""Demo quality assurance for the case at stage 5: its strategies, baseline feedback from
families, a telephone follow-up and a Healthwatch visit, so the comparison has something to
show."""

from __future__ import annotations

from datetime import timedelta

from app.cases.models import Case
from app.db import utcnow
from app.extensions import db
from app.quality.models import (
    ActivityKind,
    CommunicationScope,
    FeedbackResponse,
    FeedbackSource,
    Phase,
    QaActivity,
    QaStrategy,
    RespondentKind,
)
from app.quality.questions import QUESTION_KEYS

# (phase, source, kind, ratings in QUESTION_KEYS order, comment on safety)
RESPONSES = [
    (Phase.BASELINE, FeedbackSource.ONLINE, RespondentKind.FAMILY,
     ("poor", "mixed", "poor", "poor", "not_sure"), "Mum's falls were not reported to us"),
    (Phase.BASELINE, FeedbackSource.ONLINE, RespondentKind.RESIDENT,
     ("mixed", "good", "mixed", "poor", "not_sure"), ""),
    (Phase.BASELINE, FeedbackSource.ONLINE, RespondentKind.CARER,
     ("poor", "good", "mixed", "mixed", "not_sure"), "Nobody answered the call bell at night"),
    (Phase.FOLLOW_UP, FeedbackSource.TELEPHONE, RespondentKind.FAMILY,
     ("good", "good", "mixed", "mixed", "good"), "Falls are now reported the same day"),
]


def seed_quality(case: Case, lead) -> None:
    """Add the demo QA records of ``case`` (the caller has set the host's scope)."""
    now = utcnow()
    db.session.add(QaStrategy(
        case_id=case.id, outcomes_wanted="Residents feel safe at night; families are told of falls",
        measures="Family survey at the start and after three months, by the QA officer",
        baseline="Most families rated safety poor", agreed_on=(now - timedelta(days=80)).date(),
        communication_scope=CommunicationScope.SERVICE_WIDE,
        communication_reason="Every resident is affected by the night staffing",
        who_tells_whom="The lead officer writes to families after each meeting"))
    for phase, source, kind, ratings, comment in RESPONSES:
        answers = {key: {"rating": rating, "comment": ""} for key, rating in zip(QUESTION_KEYS, ratings, strict=True)}
        answers["safe"]["comment"] = comment
        db.session.add(FeedbackResponse(
            case_id=case.id, source=source, phase=phase, respondent_kind=kind, consent=True,
            anonymous=True, answers=answers,
            caller_role="QA officer" if source is FeedbackSource.TELEPHONE else "",
            recorded_by_id=lead.id if source is FeedbackSource.TELEPHONE else None))
    db.session.add(QaActivity(case_id=case.id, kind=ActivityKind.HEALTHWATCH_VISIT,
                              held_on=(now - timedelta(days=10)).date(),
                              carried_out_by="Healthwatch Wexbridge",
                              findings="Residents said night checks now happen every hour",
                              recorded_by_id=lead.id))
    db.session.flush()

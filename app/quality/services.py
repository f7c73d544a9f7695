"""Reading a case's quality assurance records, and finding an invitation from its link."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select

from app.cases.models import Case
from app.db import utcnow
from app.extensions import db
from app.quality.models import (
    INDEPENDENT_SCRUTINY,
    CommunicationUpdate,
    FeedbackInvitation,
    FeedbackResponse,
    FeedbackSource,
    Phase,
    QaActivity,
    QaEscalation,
    QaStrategy,
    YouSaidWeDid,
)
from app.quality.questions import QUESTIONS, Rating
from app.quality.tokens import read_credential
from app.tenants.scoping import for_feedback_link


def get_in_case(model, row_id: int, case_id: int):
    return db.session.scalar(select(model).where(model.id == row_id, model.case_id == case_id))


def _of_case(model, case_id: int, *order):
    return list(db.session.scalars(select(model).where(model.case_id == case_id).order_by(*order)))


def invitations_of(case_id: int) -> list[FeedbackInvitation]:
    return _of_case(FeedbackInvitation, case_id, FeedbackInvitation.created_at.desc())


def responses_of(case_id: int) -> list[FeedbackResponse]:
    return _of_case(FeedbackResponse, case_id, FeedbackResponse.created_at.desc())


def activities_of(case_id: int) -> list[QaActivity]:
    return _of_case(QaActivity, case_id, QaActivity.held_on.desc())


def updates_of(case_id: int) -> list[CommunicationUpdate]:
    return _of_case(CommunicationUpdate, case_id, CommunicationUpdate.sent_on.desc())


def escalations_of(case_id: int) -> list[QaEscalation]:
    return _of_case(QaEscalation, case_id, QaEscalation.escalated_on.desc())


def summaries_of(case_id: int) -> list[YouSaidWeDid]:
    return _of_case(YouSaidWeDid, case_id, YouSaidWeDid.published_at.desc())


def strategy_of(case_id: int) -> QaStrategy | None:
    return db.session.scalar(select(QaStrategy).where(QaStrategy.case_id == case_id))


def _open_disclosure_of(case_id: int):
    return (FeedbackResponse.case_id == case_id,
            FeedbackResponse.disclosure_triaged_at.is_(None),
            FeedbackResponse.something_happened.is_(True)
            | FeedbackResponse.disclosure_marked_by_id.is_not(None))


def open_disclosures(case_id: int) -> list[FeedbackResponse]:
    """Responses that may disclose abuse or neglect and have not been triaged yet."""
    return list(db.session.scalars(
        select(FeedbackResponse).where(*_open_disclosure_of(case_id))
        .order_by(FeedbackResponse.created_at)))


def open_disclosure_count(case_id: int) -> int:
    """How many responses wait to be triaged (one statement, for the case overview)."""
    return db.session.scalar(
        select(func.count(FeedbackResponse.id)).where(*_open_disclosure_of(case_id))) or 0


def poor_earlier_responses(case_id: int) -> list[FeedbackResponse]:
    """Independent responses that rated something poor: whom the telephone sample aims at."""
    return [response for response in responses_of(case_id)
            if response.source.independent and response.reported_poor]


def quality_counts(case_id: int) -> dict:
    """What the closing guard asks: follow-up feedback records and independent scrutiny."""
    follow_ups = db.session.scalar(select(func.count(FeedbackResponse.id)).where(
        FeedbackResponse.case_id == case_id, FeedbackResponse.phase == Phase.FOLLOW_UP))
    scrutiny = db.session.scalar(select(func.count(QaActivity.id)).where(
        QaActivity.case_id == case_id, QaActivity.kind.in_(INDEPENDENT_SCRUTINY)))
    return {"follow_up_feedback": follow_ups or 0, "independent_scrutiny": scrutiny or 0}


# The comparison of baseline and follow-up answers.


@dataclass(frozen=True)
class PhaseCounts:
    phase: Phase
    counts: dict[Rating, int]

    @property
    def answered(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class QuestionComparison:
    key: str
    text: str
    phases: tuple[PhaseCounts, ...]


class Group(StrEnum):
    INDEPENDENT = "independent"
    PROVIDER = "provider"

    @property
    def label(self) -> str:
        return {Group.INDEPENDENT: "Independent feedback (online and by telephone)",
                Group.PROVIDER: "Feedback collected by the provider"}[self]


def comparison(case_id: int) -> dict[Group, list[QuestionComparison]]:
    """Per question, the count of each rating at baseline and at follow-up, with independent
    and provider-collected feedback kept apart."""
    rows = db.session.execute(
        select(FeedbackResponse.source, FeedbackResponse.phase, FeedbackResponse.answers)
        .where(FeedbackResponse.case_id == case_id)).all()
    tallies: dict[tuple[Group, Phase, str], Counter] = {}
    for source, phase, answers in rows:
        group = Group.PROVIDER if source is FeedbackSource.PROVIDER else Group.INDEPENDENT
        for key, answer in (answers or {}).items():
            rating = (answer or {}).get("rating")
            if rating in set(Rating):
                tallies.setdefault((group, phase, key), Counter())[Rating(rating)] += 1
    return {
        group: [QuestionComparison(question.key, question.text, tuple(
            PhaseCounts(phase, {rating: tallies.get((group, phase, question.key), Counter())[rating]
                                for rating in Rating})
            for phase in Phase)) for question in QUESTIONS]
        for group in Group
    }


# The public side: an invitation from its link or code, and a published summary.


class LinkState(StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Found:
    state: LinkState
    invitation: FeedbackInvitation | None = None
    case: Case | None = None


def find_invitation(credential_text: str) -> Found:
    """Find the invitation a link token or letter code opens, acting for the authority it
    names for the rest of the request."""
    credential = read_credential(credential_text)
    if credential is None:
        return Found(LinkState.UNKNOWN)
    for_feedback_link(db.session, credential.authority_id)
    column = FeedbackInvitation.code_hash if credential.is_code else FeedbackInvitation.token_hash
    invitation = db.session.scalar(select(FeedbackInvitation).where(column == credential.digest))
    if invitation is None:
        return Found(LinkState.UNKNOWN)
    case = db.session.get(Case, invitation.case_id)
    if invitation.used_at is not None:
        return Found(LinkState.USED, invitation, case)
    if invitation.expires_at <= utcnow():
        return Found(LinkState.EXPIRED, invitation, case)
    return Found(LinkState.OPEN, invitation, case)


def public_place(case: Case) -> dict:
    """All the public pages show of a case: the provider's name and where it is."""
    location = case.location
    return {
        "provider": case.provider.name,
        "location": location.name if location else "",
        "town": location.town if location else "",
    }


def find_summary(public_code: str) -> YouSaidWeDid | None:
    """A published "you said, we did" summary from its public code (the authority it names)."""
    authority, _, rest = (public_code or "").strip().upper().partition("-")
    if not authority.isdigit() or len(authority) > 9 or not rest:
        return None
    for_feedback_link(db.session, int(authority))
    return db.session.scalar(select(YouSaidWeDid).where(
        YouSaidWeDid.public_code == f"{int(authority)}-{rest}"))

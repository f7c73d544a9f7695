"""Quality assurance of a case (stage 5): the QA and communication strategies, feedback
invitations and responses, independent scrutiny, escalations and "you said, we did".

Every record here is the host's alone (the default owner-only rule): respondents' answers and
contact details are never read by placing authorities or providers. The public form writes
through ``for_feedback_link`` (app/tenants/scoping.py), acting for the authority the link names.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import CreatedAtMixin, str_enum
from app.extensions import db
from app.quality.questions import QUESTION_KEYS, Rating
from app.tenants.scoping import TenantScoped

if TYPE_CHECKING:
    from app.cases.models import Case


class RespondentKind(StrEnum):
    RESIDENT = "resident"
    FAMILY = "family"
    FRIEND = "friend"
    CARER = "carer"
    ADVOCATE = "advocate"

    @property
    def label(self) -> str:
        return {RespondentKind.FAMILY: "Family member"}.get(self, self.value.capitalize())


class Phase(StrEnum):
    BASELINE = "baseline"
    FOLLOW_UP = "follow_up"

    @property
    def label(self) -> str:
        return {Phase.BASELINE: "Baseline", Phase.FOLLOW_UP: "Follow-up"}[self]


class Delivery(StrEnum):
    EMAIL = "email"
    LETTER = "letter"

    @property
    def label(self) -> str:
        return {Delivery.EMAIL: "By email", Delivery.LETTER: "Printed letter with a code"}[self]


class FeedbackSource(StrEnum):
    ONLINE = "online"
    TELEPHONE = "telephone"
    PROVIDER = "provider"

    @property
    def label(self) -> str:
        return {FeedbackSource.ONLINE: "Online form", FeedbackSource.TELEPHONE: "Telephone",
                FeedbackSource.PROVIDER: "Collected by the provider"}[self]

    @property
    def independent(self) -> bool:
        return self is not FeedbackSource.PROVIDER


class FeedbackInvitation(TenantScoped, CreatedAtMixin, db.Model):
    """A single-use invitation to the public form. Only keyed hashes of its link token and of
    its letter code are kept: whoever reads the table cannot open the form."""

    __tablename__ = "feedback_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    respondent_kind: Mapped[RespondentKind] = mapped_column(str_enum(RespondentKind, 20))
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, 20))
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, 20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by: Mapped[User | None] = relationship()


class FeedbackResponse(TenantScoped, CreatedAtMixin, db.Model):
    """One person's answers, online (from an invitation), by telephone or from the provider.

    ``answers`` maps each question key to ``{"rating": ..., "comment": ...}``. A possible
    disclosure of harm (the respondent's own answer, or a reviewer's mark) stays open until
    someone triages it."""

    __tablename__ = "feedback_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_invitation.id"),
                                                      unique=True)
    source: Mapped[FeedbackSource] = mapped_column(str_enum(FeedbackSource, 20))
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, 20))
    respondent_kind: Mapped[RespondentKind] = mapped_column(str_enum(RespondentKind, 20))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    respondent_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    something_happened: Mapped[bool] = mapped_column(Boolean, default=False)
    something_happened_detail: Mapped[str] = mapped_column(Text, default="")
    helped_by: Mapped[list] = mapped_column(JSON, default=list)
    caller_role: Mapped[str] = mapped_column(String(200), default="")
    earlier_response_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_response.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    disclosure_marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    disclosure_reported_at: Mapped[datetime | None]
    disclosure_triaged_at: Mapped[datetime | None]
    disclosure_triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    disclosure_triage_note: Mapped[str] = mapped_column(Text, default="")

    earlier_response: Mapped[FeedbackResponse | None] = relationship(remote_side=[id])

    @property
    def may_disclose_harm(self) -> bool:
        return self.something_happened or self.disclosure_marked_by_id is not None

    @property
    def disclosure_open(self) -> bool:
        return self.may_disclose_harm and self.disclosure_triaged_at is None

    def rating(self, key: str) -> Rating | None:
        value = (self.answers or {}).get(key, {}).get("rating")
        return Rating(value) if value in set(Rating) else None

    def comment(self, key: str) -> str:
        return (self.answers or {}).get(key, {}).get("comment", "")

    @property
    def reported_poor(self) -> bool:
        return any(self.rating(key) is Rating.POOR for key in QUESTION_KEYS)


class ActivityKind(StrEnum):
    HEALTHWATCH_VISIT = "healthwatch_visit"
    PLAN_VALIDATION = "plan_validation"
    PARTNER_REVIEW = "partner_review"
    STAFF_QA_VISIT = "staff_qa_visit"
    RESIDENTS_MEETING = "residents_meeting"

    @property
    def label(self) -> str:
        return {
            ActivityKind.HEALTHWATCH_VISIT: "Healthwatch visit",
            ActivityKind.PLAN_VALIDATION: "Validation of the plan by a health or social care professional",
            ActivityKind.PARTNER_REVIEW: "Review by a partner authority",
            ActivityKind.STAFF_QA_VISIT: "Staff quality assurance visit",
            ActivityKind.RESIDENTS_MEETING: "Follow-up meeting with residents in the home",
        }[self]

    @property
    def independent_scrutiny(self) -> bool:
        return self is not ActivityKind.RESIDENTS_MEETING


INDEPENDENT_SCRUTINY = tuple(kind for kind in ActivityKind if kind.independent_scrutiny)


class QaActivity(TenantScoped, CreatedAtMixin, db.Model):
    """Independent scrutiny (or a residents' meeting) with what it found. A staff QA visit
    also gives the before-and-after account of the people who did the fact-finding."""

    __tablename__ = "qa_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, 30))
    held_on: Mapped[date]
    carried_out_by: Mapped[str] = mapped_column(String(300))
    findings: Mapped[str] = mapped_column(Text)
    before_and_after: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CommunicationScope(StrEnum):
    SERVICE_WIDE = "service_wide"
    NEED_TO_KNOW = "need_to_know"

    @property
    def label(self) -> str:
        return {
            CommunicationScope.SERVICE_WIDE: "Service-wide: people and carers are told, so they can make choices",
            CommunicationScope.NEED_TO_KNOW: "Need to know",
        }[self]


class QaStrategy(TenantScoped, CreatedAtMixin, db.Model):
    """The case's QA strategy and communication strategy, agreed once and then revised."""

    __tablename__ = "qa_strategy"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    outcomes_wanted: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    baseline: Mapped[str] = mapped_column(Text, default="")
    communication_scope: Mapped[CommunicationScope] = mapped_column(
        str_enum(CommunicationScope, 20), default=CommunicationScope.NEED_TO_KNOW)
    communication_reason: Mapped[str] = mapped_column(Text, default="")
    who_tells_whom: Mapped[str] = mapped_column(Text, default="")
    agreed_on: Mapped[date | None]


class CommunicationUpdate(TenantScoped, CreatedAtMixin, db.Model):
    """One update sent to residents, families or carers under the communication strategy."""

    __tablename__ = "communication_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sent_on: Mapped[date]
    audience: Mapped[str] = mapped_column(String(300))
    how: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    before_emergency_decision: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class QaEscalation(TenantScoped, CreatedAtMixin, db.Model):
    """A persistent high risk shown by QA, taken to the host's QA or strategic group."""

    __tablename__ = "qa_escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    escalated_on: Mapped[date]
    group_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class YouSaidWeDid(TenantScoped, CreatedAtMixin, db.Model):
    """A plain-English summary of what changed because of the feedback. Anyone with its public
    code reads it; it holds no personal data."""

    __tablename__ = "you_said_we_did"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    public_code: Mapped[str] = mapped_column(String(40), unique=True)
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship()


class FeedbackThrottle(db.Model):
    """Attempts on the public feedback pages per client address, in one-minute windows.

    Keyed by a keyed hash of the address (app/quality/throttle.py), so the table holds no
    address; it belongs to no authority, like the sign-in throttle."""

    __tablename__ = "feedback_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    window_started_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)

"""The risk register of a case: CQC key question, likelihood x impact, and each score's history.

Placing authorities with a share read a summary: the risk row holds only the CQC key question,
the score the RAG comes from and whether it is open. The words of a risk (title, description,
mitigation, owner, review date) are a host-only row of their own (``RiskDetail``), so the
database keeps them from a placing authority whatever a view forgets; the risk reads and writes
them under their old names (``risk.description``). The score history is the host's alone.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.visibility import owner_or_share, owner_or_share_rls
from app.db import CreatedAtMixin, str_enum, utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped


class KeyQuestion(StrEnum):
    SAFE = "safe"
    EFFECTIVE = "effective"
    CARING = "caring"
    RESPONSIVE = "responsive"
    WELL_LED = "well_led"

    @property
    def label(self) -> str:
        return "Well-led" if self is KeyQuestion.WELL_LED else self.value.capitalize()


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


def rag_for(likelihood: int, impact: int) -> Rag:
    """Return the RAG rating of a 5x5 score: 15 and over red, 8 to 14 amber, below green."""
    score = likelihood * impact
    if score >= 15:
        return Rag.RED
    if score >= 8:
        return Rag.AMBER
    return Rag.GREEN


class RiskDetail(TenantScoped, db.Model):
    """The host's words about a risk: never a placing authority's or the provider's to read."""

    __tablename__ = "risk_detail"
    __table_args__ = (UniqueConstraint("risk_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    mitigation: Mapped[str] = mapped_column(Text, default="")
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    review_on: Mapped[date | None]

    risk: Mapped[Risk] = relationship(back_populates="detail")


# The risk's old attribute names for its detail's columns, and what a reader without it reads.
DETAIL_FIELDS = {"title": "", "description": "", "mitigation": "", "owner_name": "",
                 "review_on": None}


def _detail_field(name: str) -> property:
    def read(risk: Risk):
        return DETAIL_FIELDS[name] if risk.detail is None else getattr(risk.detail, name)

    def write(risk: Risk, value) -> None:
        if risk.detail is None:
            risk.detail = RiskDetail(tenant_id=risk.tenant_id)
        setattr(risk.detail, name, value)

    return property(read, write, doc=f"The risk's {name}, from its host-only detail.")


class Risk(TenantScoped, CreatedAtMixin, db.Model):
    __tablename__ = "risk"
    __table_args__ = (
        CheckConstraint("likelihood BETWEEN 1 AND 5", name="likelihood_range"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="impact_range"),
    )
    RLS_READ = owner_or_share_rls("risk")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    key_question: Mapped[KeyQuestion] = mapped_column(str_enum(KeyQuestion, 20))
    likelihood: Mapped[int]
    impact: Mapped[int]
    closed_at: Mapped[datetime | None]

    scores: Mapped[list[RiskScore]] = relationship(
        back_populates="risk", order_by="RiskScore.id", cascade="all, delete-orphan"
    )
    # Loaded with the risk in the same statement; a reader the rule leaves out gets None.
    detail: Mapped[RiskDetail | None] = relationship(
        back_populates="risk", uselist=False, lazy="joined", cascade="all, delete-orphan"
    )

    title = _detail_field("title")
    description = _detail_field("description")
    mitigation = _detail_field("mitigation")
    owner_name = _detail_field("owner_name")
    review_on = _detail_field("review_on")

    def __init__(self, **values):
        # The detail's values are set once the risk knows its authority.
        detail_values = {name: values.pop(name) for name in list(values) if name in DETAIL_FIELDS}
        super().__init__(**values)
        for name, value in detail_values.items():
            setattr(self, name, value)

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def rag(self) -> Rag:
        return rag_for(self.likelihood, self.impact)

    @classmethod
    def visible_to(cls, scope: Scope):
        return owner_or_share(cls, scope)


class RiskScore(TenantScoped, db.Model):
    """One scoring of a risk, kept so that the case shows how each risk moved over time."""

    __tablename__ = "risk_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), index=True)
    likelihood: Mapped[int]
    impact: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    risk: Mapped[Risk] = relationship(back_populates="scores")
    scored_by: Mapped[User | None] = relationship()

    @property
    def rag(self) -> Rag:
        return rag_for(self.likelihood, self.impact)

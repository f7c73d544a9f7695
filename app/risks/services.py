"""Reading a case's risk register: every risk with its score history for the host, and only
the key question and RAG of the open risks for a placing authority (DESIGN.md's table)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.cases.models import Case
from app.extensions import db
from app.risks.models import KeyQuestion, Rag, Risk, RiskScore, rag_for

KEY_QUESTION_ORDER = {question: index for index, question in enumerate(KeyQuestion)}
_RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}


def risks_of(case_id: int) -> list[Risk]:
    """Return the case's risks with their score history: open ones first, highest score first."""
    risks = db.session.scalars(
        select(Risk)
        .options(selectinload(Risk.scores).selectinload(RiskScore.scored_by))
        .where(Risk.case_id == case_id)
        .order_by(Risk.id)
    )
    return sorted(risks, key=lambda r: (r.closed_at is not None, -r.score, r.id))


def get_risk(case: Case, risk_id: int) -> Risk | None:
    return db.session.scalar(select(Risk).where(Risk.id == risk_id, Risk.case_id == case.id))


@dataclass(frozen=True)
class RiskSummary:
    """What a placing authority may know of a risk: its CQC key question and its RAG."""

    key_question: KeyQuestion
    rag: Rag


def risk_summary(case_id: int) -> list[RiskSummary]:
    """Return the open risks as key question and RAG only; no text leaves the query."""
    rows = db.session.execute(
        select(Risk.key_question, Risk.likelihood, Risk.impact)
        .where(Risk.case_id == case_id, Risk.closed_at.is_(None))
        .order_by(Risk.id)
    )
    summary = [RiskSummary(question, rag_for(likelihood, impact))
               for question, likelihood, impact in rows]
    return sorted(summary, key=lambda s: (KEY_QUESTION_ORDER[s.key_question], _RAG_ORDER[s.rag]))


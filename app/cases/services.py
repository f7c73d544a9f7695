"""Reading cases. Which cases a caller sees is decided by the scoping rules, not here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.cases.models import Case
from app.extensions import db


def list_cases(authority_id: int) -> list[Case]:
    """Return the cases the current scope may read: its own and those shared with it."""
    return list(
        db.session.scalars(
            select(Case)
            .options(joinedload(Case.provider), joinedload(Case.host_authority))
            .order_by(Case.opened_at.desc())
        )
    )


def get_case(case_id: int) -> Case | None:
    return db.session.get(Case, case_id)


def cases_of_provider(provider_id: int) -> list[Case]:
    return list(
        db.session.scalars(
            select(Case).where(Case.provider_id == provider_id).order_by(Case.opened_at.desc())
        )
    )

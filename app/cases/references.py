"""Case references: the authority's short code, the year, and the next number of that year
(``WX-2026-0004``), taken from a per-authority, per-year counter under a row lock.

Counting cases would race (two requests read the same count) and would never restart with the
year; a counter row locked with SELECT ... FOR UPDATE makes concurrent openings queue, and the
number reveals nothing about any other authority.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.cases.clocks import LONDON
from app.cases.models import CaseReferenceCounter
from app.db import utcnow
from app.extensions import db
from app.tenants.models import Authority


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:04d}"


def _ensure_counter(authority_id: int, year: int) -> None:
    """Create the year's counter row if it is missing; a concurrent creator wins quietly."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(CaseReferenceCounter)
        .values(tenant_id=authority_id, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["tenant_id", "year"])
    )


def next_reference(authority_id: int) -> str:
    """Allocate the authority's next case reference in the current year (London time)."""
    year = utcnow().astimezone(LONDON).year
    _ensure_counter(authority_id, year)
    counter = db.session.scalar(
        select(CaseReferenceCounter)
        .where(CaseReferenceCounter.tenant_id == authority_id, CaseReferenceCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter.last_number += 1
    prefix = db.session.get(Authority, authority_id).case_reference_prefix
    return format_reference(prefix, year, counter.last_number)

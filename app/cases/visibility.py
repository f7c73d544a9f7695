"""Visibility rules shared by records that hang off a case.

A record of a case is read by the host that owns it and, where DESIGN.md's table says so, by a
placing authority holding a live share on that case. The ORM rule and the PostgreSQL policy
are written side by side so that they say the same thing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, select

from app.placing.models import CaseShare
from app.tenants.scoping import Scope, equals


def share_rls(table: str) -> str:
    """Return the RLS condition: a live share of this row's case with the current tenant."""
    return (
        "EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = "
        f"{table}.case_id AND s.placing_authority_id = app_tenant() AND s.ended_at IS NULL)"
    )


def owner_or_share_rls(table: str) -> str:
    return f"tenant_id = app_tenant() OR {share_rls(table)}"


def shared_with(case_id_column, scope: Scope) -> ColumnElement[bool]:
    """Return the ORM condition: a live share of the case with the scope's tenant."""
    if scope.tenant_id is None:
        return false()
    # Core table, so the share's own criteria are not applied again inside this one.
    shares = CaseShare.__table__
    return exists(select(shares.c.id)).where(
        and_(
            shares.c.case_id == case_id_column,
            shares.c.placing_authority_id == scope.tenant_id,
            shares.c.ended_at.is_(None),
        )
    )


def owner_or_share(model, scope: Scope) -> ColumnElement[bool]:
    return equals(model.tenant_id, scope.tenant_id) | shared_with(model.case_id, scope)

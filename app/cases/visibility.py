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


def told_provider_rls(table: str) -> str:
    """Return the RLS condition: this row's case is one the current provider was told of."""
    return (
        "EXISTS (SELECT 1 FROM cases c WHERE c.id = "
        f"{table}.case_id AND c.provider_id = app_provider() "
        "AND c.provider_informed_at IS NOT NULL AND NOT c.provider_kept_out)"
    )


def told_provider(case_id_column, scope: Scope) -> ColumnElement[bool]:
    """Return the ORM condition: the case is the scope's provider's, and it was told of it
    with no police or coroner exclusion in force (the case's own rule, repeated here because
    the cases table is read through Core)."""
    if scope.provider_id is None:
        return false()
    from app.cases.models import Case

    cases = Case.__table__
    return exists(select(cases.c.id)).where(
        and_(
            cases.c.id == case_id_column,
            equals(cases.c.provider_id, scope.provider_id),
            cases.c.provider_informed_at.is_not(None),
            cases.c.provider_kept_out.is_(False),
        )
    )


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

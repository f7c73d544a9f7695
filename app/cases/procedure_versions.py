"""Numbered versions of a host's procedure; a case runs under the version it was opened with.

Saving the settings keeps the new state as the next version. Open cases keep the version they
run under, so a change of timescale does not move their deadlines behind anyone's back, until
staff move a case over to the current version (``app.cases.operations.adopt_current_procedure``,
which audits the move).
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.procedure_settings import (
    DEFAULTS,
    ClockMode,
    ProcedureSettings,
    clock_mode_of,
    settings_for,
    values_of,
)
from app.db import CreatedAtMixin
from app.extensions import db
from app.tenants.scoping import TenantScoped


class ProcedureVersion(TenantScoped, CreatedAtMixin, db.Model):
    """One saved state of a host's procedure settings. Host only, never changed once written."""

    __tablename__ = "procedure_version"
    __table_args__ = (UniqueConstraint("tenant_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    values: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Procedure:
    """The rules a case runs under, read like the settings row (attribute per setting)."""

    def __init__(self, values: dict, version: ProcedureVersion | None = None):
        self._values = values
        self.version = version

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in DEFAULTS:
            raise AttributeError(name)
        # A version saved before a setting existed uses that setting's default.
        return self._values.get(name, DEFAULTS[name])

    @property
    def number(self) -> int | None:
        return self.version.number if self.version is not None else None

    def clock_mode(self, key: str) -> ClockMode:
        return clock_mode_of(self, key)


def latest_version(tenant_id: int) -> ProcedureVersion | None:
    return db.session.scalar(
        select(ProcedureVersion).where(ProcedureVersion.tenant_id == tenant_id)
        .order_by(ProcedureVersion.number.desc()).limit(1)
    )


def current_version(tenant_id: int, created_by_id: int | None = None) -> ProcedureVersion:
    """Return the version holding the authority's settings as they are now (written if the
    latest one differs)."""
    values = values_of(settings_for(tenant_id))
    latest = latest_version(tenant_id)
    if latest is not None and latest.values == values:
        return latest
    number = (db.session.scalar(select(func.max(ProcedureVersion.number))
                                .where(ProcedureVersion.tenant_id == tenant_id)) or 0) + 1
    version = ProcedureVersion(tenant_id=tenant_id, number=number, values=values,
                               created_by_id=created_by_id)
    db.session.add(version)
    db.session.flush()
    return version


def procedure_of(case) -> Procedure:
    """Return the rules ``case`` runs under: its version's, or (for a case opened before
    versions were kept) the authority's settings as they are now."""
    if case.procedure_version_id is None:
        return as_procedure(settings_for(case.tenant_id))
    version = db.session.get(ProcedureVersion, case.procedure_version_id)
    return Procedure(version.values, version)


def procedures_of(cases: list) -> dict[int, Procedure]:
    """Return, per case id, the rules each case runs under (one query for every case)."""
    ids = {case.procedure_version_id for case in cases if case.procedure_version_id}
    versions = {v.id: v for v in db.session.scalars(
        select(ProcedureVersion).where(ProcedureVersion.id.in_(ids)))} if ids else {}
    current: dict[int, Procedure] = {}
    result = {}
    for case in cases:
        version = versions.get(case.procedure_version_id)
        if version is not None:
            result[case.id] = Procedure(version.values, version)
        else:
            if case.tenant_id not in current:
                current[case.tenant_id] = as_procedure(settings_for(case.tenant_id))
            result[case.id] = current[case.tenant_id]
    return result


def as_procedure(settings: ProcedureSettings) -> Procedure:
    return Procedure(values_of(settings))

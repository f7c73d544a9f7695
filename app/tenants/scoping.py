"""The one place where tenant scoping is enforced for every ORM query.

Each tenant-owned model subclasses ``TenantScoped`` and declares two visibility rules side by
side: ``visible_to(scope)``, an SQL expression the ORM adds to every SELECT through
``with_loader_criteria``, and ``RLS_READ``/``RLS_WRITE``, the same rules written for PostgreSQL
row-level security (the migrations install them, and a test compares the two). A session with
no scope set refuses to query a scoped model at all; an empty scope sees nothing.

Code outside this module changes scope only through the named helpers at the end (a job
acting for one authority, the platform's own rows, the health check, an invitation link, a
platform administrator within an authority, a feedback link, the request's own scope): each logs why and
restores everything it changed, the PostgreSQL settings included.
``tests/unit/test_scope_changes.py`` fails when another module calls ``set_scope`` or
``scoped_as`` itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ColumnElement, event, false, text
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session, with_loader_criteria
from sqlalchemy.schema import ForeignKey

from app.ids import MAX_ID

log = logging.getLogger(__name__)

SCOPE_KEY = "pcp_scope"
SCOPED_MODELS: list[type[TenantScoped]] = []


class TenantContextMissing(RuntimeError):
    """A scoped model was queried by a session that never had a scope set."""


class CrossTenantWrite(RuntimeError):
    """A flush tried to write a row that the current scope does not own."""


@dataclass(frozen=True)
class Scope:
    """Who is asking: the authority acted for, the signed-in user, a provider organisation."""

    tenant_id: int | None = None
    user_id: int | None = None
    provider_id: int | None = None
    platform_admin: bool = False
    # Whether the member's roles allow resident-identifiable data (``RESIDENT_READERS``):
    # off unless the request's membership says so, and then hidden by the database too.
    reads_residents: bool = False

    def settings(self) -> dict[str, str]:
        """Return the PostgreSQL settings that the RLS policies read."""
        return {
            "app.tenant_id": _setting(self.tenant_id),
            "app.user_id": _setting(self.user_id),
            "app.provider_id": _setting(self.provider_id),
            "app.platform_admin": "on" if self.platform_admin else "",
            "app.reads_residents": "on" if self.reads_residents else "",
        }


NOBODY = Scope()


def _setting(value: int | None) -> str:
    return "" if not _is_id(value) else str(int(value))


def _is_id(value: int | None) -> bool:
    # A number no id column can hold (from a crafted link) names nobody: PostgreSQL would
    # raise on it rather than find no rows.
    return value is not None and 0 < int(value) <= MAX_ID


def equals(column, value) -> ColumnElement[bool]:
    """Compare a column to a scope value; a missing (or impossible) value matches nothing."""
    return column == value if _is_id(value) else false()


class TenantScoped:
    """Mixin for rows owned by one authority (the tenant) and read by the rules below."""

    tenant_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)

    # SQL for PostgreSQL RLS; app_tenant() etc. are created by the first migration.
    RLS_READ = "tenant_id = app_tenant()"
    RLS_WRITE = "tenant_id = app_tenant()"
    STAMP_TENANT = True
    APPEND_ONLY = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__tablename__" in cls.__dict__:
            SCOPED_MODELS.append(cls)

    @classmethod
    def visible_to(cls, scope: Scope) -> ColumnElement[bool]:
        """Return the rows of this model that the scope may read (default: owner only)."""
        return equals(cls.tenant_id, scope.tenant_id)

    @classmethod
    def writable_by(cls, row: TenantScoped, scope: Scope) -> bool:
        """Say whether the scope may insert or change this row (default: owner only)."""
        return scope.tenant_id is not None and row.tenant_id == scope.tenant_id


def _resolve(session) -> Session:
    # Flask-SQLAlchemy hands out a scoped_session proxy; the events see the real Session.
    return session() if isinstance(session, scoped_session) else session


def set_scope(session: Session, scope: Scope) -> None:
    """Set who the session acts for, in the ORM and (before its next statement) in the open
    PostgreSQL transaction."""
    _resolve(session).info[SCOPE_KEY] = scope


def get_scope(session: Session) -> Scope | None:
    return _resolve(session).info.get(SCOPE_KEY)


@contextmanager
def scoped_as(session: Session, scope: Scope) -> Iterator[Session]:
    """Act as another scope for the duration of a block, then restore the previous one."""
    previous = get_scope(session)
    set_scope(session, scope)
    try:
        yield session
    finally:
        _restore(session, previous)


def _restore(session: Session, previous: Scope | None) -> None:
    if previous is not None:
        set_scope(session, previous)
        return
    # Back to "no scope": the ORM refuses scoped queries again, and the open transaction's
    # PostgreSQL settings name nobody rather than the scope just left.
    set_scope(session, NOBODY)
    _resolve(session).info.pop(SCOPE_KEY, None)


def _open_connections(session: Session):
    transaction = session.get_transaction()
    if transaction is None:
        return []
    return [conn for conn, *_ in transaction._connections.values()]


_APPLIED_KEY = "pcp_applied_scope"

_SETTINGS_SQL = text(
    "select set_config('app.tenant_id', :tenant, true), set_config('app.user_id', :user, true), "
    "set_config('app.provider_id', :provider, true), "
    "set_config('app.platform_admin', :platform_admin, true), "
    "set_config('app.reads_residents', :reads_residents, true)"
)


def _apply_settings(connection, scope: Scope) -> None:
    if connection.dialect.name != "postgresql":
        return
    # The settings last sent on this connection's transaction: a request switches scope
    # several times before its first query (sign-in checks, then the membership), and only
    # the scope in force when a statement runs needs sending, once.
    if connection.info.get(_APPLIED_KEY) == scope:
        return
    connection.info[_APPLIED_KEY] = scope
    # One round trip for all the settings.
    settings = scope.settings()
    connection.execute(_SETTINGS_SQL, {
        "tenant": settings["app.tenant_id"], "user": settings["app.user_id"],
        "provider": settings["app.provider_id"], "platform_admin": settings["app.platform_admin"],
        "reads_residents": settings["app.reads_residents"],
    })


def _apply_pending_scope(session: Session) -> None:
    """Send the session's scope to every connection of its transaction where it is not the one
    last sent: called before each statement the session runs (query or flush)."""
    scope = get_scope(session) or NOBODY
    for connection in _open_connections(session):
        _apply_settings(connection, scope)


@event.listens_for(Session, "after_begin")
def _settings_for_new_transaction(session, transaction, connection):
    # set_config(..., true) lasts for the transaction: a new one starts from nothing.
    connection.info.pop(_APPLIED_KEY, None)
    _apply_settings(connection, get_scope(session) or NOBODY)


@event.listens_for(Session, "after_transaction_end")
def _forget_settings_of_savepoint(session, transaction):
    # Rolling back to a savepoint also rolls back set_config made inside it: send them again.
    if transaction.nested:
        for connection in _open_connections(session):
            connection.info.pop(_APPLIED_KEY, None)


@event.listens_for(Session, "do_orm_execute")
def _add_visibility_criteria(state):
    _apply_pending_scope(state.session)
    if not (state.is_select or state.is_update or state.is_delete):
        return
    scope = get_scope(state.session)
    if scope is None:
        touched = {mapper.class_ for mapper in state.all_mappers}
        if touched.intersection(SCOPED_MODELS):
            raise TenantContextMissing(
                "query of a tenant-owned model with no scope set on the session"
            )
        return
    state.statement = state.statement.options(*_criteria_for(scope, len(SCOPED_MODELS)))


@lru_cache(maxsize=4096)
def _criteria_for(scope: Scope, model_count: int) -> tuple:
    """Return the criteria options of one scope, built once: every query of a request (and
    of every request by the same person) reuses them. ``model_count`` keys the cache so that
    a model registered later is never left out."""
    return tuple(
        with_loader_criteria(model, model.visible_to(scope), include_aliases=True)
        for model in SCOPED_MODELS[:model_count]
    )


@event.listens_for(Session, "before_flush")
def _check_writes(session, flush_context, instances):
    _apply_pending_scope(session)
    scope = get_scope(session)
    for row in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(row, TenantScoped):
            continue
        if scope is None:
            raise TenantContextMissing(f"write of {type(row).__name__} with no scope set")
        if row in session.new and row.tenant_id is None and row.STAMP_TENANT:
            row.tenant_id = scope.tenant_id
        if not type(row).writable_by(row, scope):
            raise CrossTenantWrite(
                f"{type(row).__name__} {row.tenant_id} is not writable by tenant {scope.tenant_id}"
            )


# The named ways to change scope. Every other module uses these, never set_scope/scoped_as.


@contextmanager
def _switched(session: Session, scope: Scope, why: str) -> Iterator[Session]:
    previous = get_scope(session)
    log.info("scope %s for %s (was %s)", _describe(scope), why, _describe(previous))
    with scoped_as(session, scope):
        yield session
    log.debug("scope back to %s after %s", _describe(previous), why)


def _describe(scope: Scope | None) -> str:
    if scope is None:
        return "none"
    parts = [f"{name}={value}" for name, value in (
        ("tenant", scope.tenant_id), ("user", scope.user_id), ("provider", scope.provider_id),
    ) if value is not None]
    parts += [flag for flag in ("platform_admin", "reads_residents") if getattr(scope, flag)]
    return ",".join(parts) or "nobody"


def acting_for_authority(session: Session, authority_id: int, *, why: str,
                         user_id: int | None = None,
                         reads_residents: bool = False) -> Iterator[Session]:
    """A job, command or service step acting for one authority (its sweep, its messages, a
    sign-in recorded in its trail, the demo's seeding)."""
    scope = Scope(tenant_id=authority_id, user_id=user_id, reads_residents=reads_residents)
    return _switched(session, scope, why)


def acting_for_platform(session: Session, *, why: str,
                        user_id: int | None = None) -> Iterator[Session]:
    """The platform's own rows (tenant_id NULL): its audit chain and its messages."""
    return _switched(session, Scope(user_id=user_id, platform_admin=True), why)


def provider_user_in_platform_chain(session: Session, user_id: int, provider_id: int | None, *,
                                    why: str) -> Iterator[Session]:
    """A provider user's change to its own organisation's accounts, written to the platform's
    audit and outbox chain (provider accounts belong to no authority)."""
    scope = Scope(user_id=user_id, provider_id=provider_id, platform_admin=True)
    return _switched(session, scope, why)


def acting_for_chain(session: Session, tenant_id: int | None, *, why: str,
                     user_id: int | None = None) -> Iterator[Session]:
    """One authority's rows, or the platform's when ``tenant_id`` is None (the outbox and
    audit chains are kept per authority plus one for the platform)."""
    if tenant_id is None:
        return acting_for_platform(session, why=why, user_id=user_id)
    return acting_for_authority(session, tenant_id, why=why, user_id=user_id)


def for_health_check(session: Session, tenant_id: int | None) -> Iterator[Session]:
    """The public health check reading one chain's outbox counts (no person behind it)."""
    return acting_for_chain(session, tenant_id, why="health check")


def as_platform_admin_of(session: Session, authority_id: int, admin_id: int, *,
                         why: str) -> Iterator[Session]:
    """A platform administrator setting up or changing an authority."""
    scope = Scope(tenant_id=authority_id, user_id=admin_id, platform_admin=True)
    return _switched(session, scope, why)


def as_user_only(session: Session, user_id: int, *, why: str) -> Iterator[Session]:
    """A signed-in person reading their own rows (memberships) before any authority is chosen."""
    return _switched(session, Scope(user_id=user_id), why)


def _for_rest_of_request(session: Session, authority_id: int, why: str) -> None:
    """Act for ``authority_id`` (without resident access) for the rest of this request,
    logging why, and restore the scope before it when the response is sent."""
    from flask import after_this_request, has_request_context

    previous = get_scope(session)
    log.info("scope %s for %s (was %s)", _describe(Scope(tenant_id=authority_id)), why,
             _describe(previous))
    set_scope(session, Scope(tenant_id=authority_id))
    if has_request_context():
        @after_this_request
        def _restore_after(response):
            _restore(session, previous)
            return response


def for_invitation_link(session: Session, authority_id: int) -> None:
    """An invitation link, opened perhaps anonymously: act for the authority it names for the
    rest of this request (the page reads and accepts the invitation), then restore."""
    _for_rest_of_request(session, authority_id, "an invitation link")


def for_feedback_link(session: Session, authority_id: int) -> None:
    """A resident's or family's feedback link or letter code, opened with no account: act for
    the authority it names for the rest of this request (the public form reads its
    invitation and writes the answers), then restore. Not resident readers: the public pages
    need no resident's details."""
    _for_rest_of_request(session, authority_id, "a feedback link")


def set_request_scope(session: Session, scope: Scope) -> None:
    """The scope of the request being served (app/tenants/context.py, before each view)."""
    log.debug("request scope %s", _describe(scope))
    set_scope(session, scope)

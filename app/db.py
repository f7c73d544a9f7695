"""The declarative base, its naming convention and small column helpers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@event.listens_for(Engine, "do_connect")
def _no_jit_compilation(dialect, conn_rec, cargs, cparams):
    """Every PostgreSQL connection runs with JIT compilation off. A page's queries are small
    and indexed, but past a few thousand cases the planner's cost estimates for the visibility
    rules cross ``jit_above_cost`` and each such query paid 30 ms or more to compile, for every
    authority however small (measured in issue 16)."""
    if dialect.name == "postgresql":
        options = cparams.get("options", "")
        cparams["options"] = f"{options} -c jit=off".strip()


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A moment in time, stored as UTC and always read back timezone-aware (in UTC).

    PostgreSQL keeps the offset itself (timestamptz); SQLite has no such type and would drop
    the offset of whatever it is given, so every value is turned into UTC before it is written
    and marked as UTC when read. A naive datetime is refused: it names no moment.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a naive datetime ({value.isoformat()}) names no moment: give it a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # Every ``Mapped[datetime]`` column of every model is a UtcDateTime.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UtcDateTime},
    )


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def str_enum(enum_cls, length: int = 40, name: str | None = None):
    """Store a StrEnum by value as a portable VARCHAR with a CHECK constraint."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        name=name or enum_cls.__name__.lower(),
        validate_strings=True,
    )


class InSubquery(ColumnElement):
    """``column`` is one of the values ``subquery`` selects, written so that PostgreSQL can
    use an index for it inside an OR: ``column = ANY(ARRAY(subquery))`` computes the subquery
    once and looks the values up in ``column``'s index, where ``IN (subquery)`` or
    ``EXISTS (...)`` beside another condition makes it scan the whole table. Elsewhere
    (SQLite) plain ``IN``."""

    inherit_cache = True
    type = Boolean()
    # What the statement cache keys on: both parts, so each scope's subquery is its own entry.
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("subquery", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, subquery):
        self.column = column
        self.subquery = subquery


@compiles(InSubquery)
def _in_subquery(element, compiler, **kw):
    return compiler.process(element.column.in_(element.subquery), **kw)


@compiles(InSubquery, "postgresql")
def _any_of_array(element, compiler, **kw):
    column = compiler.process(element.column, **kw)
    subquery = compiler.process(element.subquery.scalar_subquery(), **kw)
    return f"{column} = ANY(ARRAY{subquery})"


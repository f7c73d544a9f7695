"""Drafts of long texts (minutes, rationales) saved while being typed, so nothing is lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow
from app.extensions import db
from app.formatting import xml_safe
from app.tenants.scoping import Scope, TenantScoped, equals
from app.unit_of_work import operation


class Draft(TenantScoped, db.Model):
    """A user's unsaved text for one field of one record; private to that user."""

    __tablename__ = "draft"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "field_key"),)
    RLS_READ = "tenant_id = app_tenant() AND user_id = app_user()"
    RLS_WRITE = RLS_READ

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    field_key: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) & equals(cls.user_id, scope.user_id)

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        return scope.tenant_id == row.tenant_id and scope.user_id == row.user_id


# The long texts of stage 1 kept while typed (app/static/js/autosave.js), by case.
ASSESSMENT_FIELDS = ("threshold_assessment", "recommendation")
DECISION_FIELDS = ("reason",)
CASE_DRAFT_FIELDS = {*ASSESSMENT_FIELDS, *DECISION_FIELDS}


def case_draft_key(case_id: int, field: str) -> str:
    return f"case:{case_id}:{field}"


def drafts_of(user_id: int, keys: list[str]) -> dict[str, Draft]:
    """Return the user's drafts for ``keys``, by key."""
    from sqlalchemy import select

    rows = db.session.scalars(select(Draft).where(Draft.user_id == user_id, Draft.field_key.in_(keys)))
    return {row.field_key: row for row in rows}


@operation
def save_draft(tenant_id: int, user_id: int, key: str, text: str) -> Draft:
    """Keep what a user is typing under ``key``, private to them, until they save the form."""
    draft = drafts_of(user_id, [key]).get(key)
    if draft is None:
        draft = Draft(tenant_id=tenant_id, user_id=user_id, field_key=key)
        db.session.add(draft)
    draft.text = xml_safe(text)
    draft.saved_at = utcnow()
    db.session.flush()
    return draft


@operation
def discard_drafts(user_id: int, keys) -> None:
    from sqlalchemy import delete

    db.session.execute(
        delete(Draft).where(Draft.user_id == user_id, Draft.field_key.in_(list(keys)))
        .execution_options(synchronize_session=False)
    )


@operation
def discard_case_drafts(user_id: int, case_id: int, fields) -> None:
    """Drop the user's drafts of ``fields`` of a case: the form they belong to was saved, or
    the user chose to throw them away."""
    discard_drafts(user_id, [case_draft_key(case_id, field) for field in fields])

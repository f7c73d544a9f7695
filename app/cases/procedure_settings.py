"""Each host authority's procedure settings: its timescales and options.

The two source procedures differ, so every host chooses; the defaults are those of the
"Multi Agency Service Provider Concerns" procedure (seed 004).
"""

from __future__ import annotations

from sqlalchemy import UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals

# A told provider reads the timescales it works to (the right of reply's window, say) from the
# settings of a host that has a case about it.
_PROVIDER_READ = (
    "EXISTS (SELECT 1 FROM cases c WHERE c.tenant_id = procedure_settings.tenant_id "
    "AND c.provider_id = app_provider() "
    "AND c.provider_informed_at IS NOT NULL AND NOT c.provider_kept_out)"
)

DEFAULTS = {
    "inform_provider_working_days": 1,
    "initial_meeting_working_days": 5,
    "findings_meeting_working_days": 14,
    "improvement_plan_hours": 48,
    "closure_notice_hours": 24,
    "contract_review_months": 3,
    "project_meeting_cadence_days": 7,
    "use_update_meetings": True,
    "reminder_working_days_before": 2,
    "right_of_reply_working_days": 5,
    "placing_chase_working_days": 2,
}


class ProcedureSettings(TenantScoped, db.Model):
    """Timescales and options of one host authority (one row per authority)."""

    __tablename__ = "procedure_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)
    RLS_READ = f"tenant_id = app_tenant() OR {_PROVIDER_READ}"

    id: Mapped[int] = mapped_column(primary_key=True)
    inform_provider_working_days: Mapped[int] = mapped_column(default=1)
    initial_meeting_working_days: Mapped[int] = mapped_column(default=5)
    findings_meeting_working_days: Mapped[int] = mapped_column(default=14)
    improvement_plan_hours: Mapped[int] = mapped_column(default=48)
    closure_notice_hours: Mapped[int] = mapped_column(default=24)
    contract_review_months: Mapped[int] = mapped_column(default=3)
    project_meeting_cadence_days: Mapped[int] = mapped_column(default=7)
    use_update_meetings: Mapped[bool] = mapped_column(default=True)
    reminder_working_days_before: Mapped[int] = mapped_column(default=2)
    # How long the provider has to raise factual-accuracy points on the findings shared with it.
    right_of_reply_working_days: Mapped[int] = mapped_column(default=5)

    @classmethod
    def visible_to(cls, scope: Scope):
        if scope.provider_id is None:
            return equals(cls.tenant_id, scope.tenant_id)
        from app.cases.models import Case

        cases = Case.__table__
        return equals(cls.tenant_id, scope.tenant_id) | exists(select(cases.c.id).where(
            cases.c.tenant_id == cls.tenant_id, equals(cases.c.provider_id, scope.provider_id),
            cases.c.provider_informed_at.is_not(None), cases.c.provider_kept_out.is_(False)))
    # Working days before an unacknowledged alert to a placing authority is chased, and again
    # before the chase is escalated to the lead officer.
    placing_chase_working_days: Mapped[int] = mapped_column(default=2)


def settings_for(tenant_id: int) -> ProcedureSettings:
    """Return the authority's settings, or unsaved defaults if it never changed them."""
    row = db.session.scalar(
        select(ProcedureSettings).where(ProcedureSettings.tenant_id == tenant_id)
    )
    return row or ProcedureSettings(tenant_id=tenant_id, **DEFAULTS)

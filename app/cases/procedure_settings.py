"""Each host authority's procedure settings: its timescales, clocks, words and options.

The two source procedures differ, so every host chooses; the defaults are those of the
"Multi Agency Service Provider Concerns" procedure (seed 004). The settings row is what the
host edits; every saved state is also kept as a numbered version (``procedure_versions``),
and a case runs under the version it was opened with until staff move it over.
"""

from __future__ import annotations

from enum import StrEnum

from flask import g, has_request_context
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals, get_scope

# A told provider reads the timescales it works to (the right of reply's window, say) from the
# settings of a host that has a case about it.
_PROVIDER_READ = (
    "EXISTS (SELECT 1 FROM cases c WHERE c.tenant_id = procedure_settings.tenant_id "
    "AND c.provider_id = app_provider() "
    "AND c.provider_informed_at IS NOT NULL AND NOT c.provider_kept_out)"
)


class ClockMode(StrEnum):
    """How one clock of the procedure runs."""

    DAYS = "days"  # a fixed count of days or hours from the event that starts it
    AGREED = "agreed"  # a date agreed at the meeting, entered by staff on the case
    OFF = "off"  # not part of this procedure: never due, overdue or reminded

    @property
    def label(self) -> str:
        return {ClockMode.DAYS: "A fixed timescale", ClockMode.AGREED: "A date agreed at the meeting",
                ClockMode.OFF: "Off (not part of our procedure)"}[self]


class Decider(StrEnum):
    """Who makes the stage 1 decision."""

    DASS = "dass"  # the Director of Adult Social Services or their deputy (seed 004, 1.5)
    NAMED_MANAGER = "named_manager"  # the lead agency's named manager (seed 000, 3.1 and 4.4)


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
    # Per clock key (app/cases/clocks.py RULES): a ClockMode value; a missing key counts days.
    "clock_modes": {},
    # Per term key (app/cases/terms.py TERMS): the host's word; a missing key uses the default.
    "terms": {},
    "stage_one_decider": Decider.DASS.value,
    "named_decider_id": None,
    "initial_meeting_private_part": True,
    "preset": "multi_agency",
    # Per notification key (app/cases/notifications.py NOTIFICATIONS): on or off; missing is on.
    "notifications": {},
}


def fresh_defaults() -> dict:
    """Return DEFAULTS with its own copies of the mutable values."""
    return {key: (dict(value) if isinstance(value, dict) else value)
            for key, value in DEFAULTS.items()}


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
    # Working days before an unacknowledged alert to a placing authority is chased, and again
    # before the chase is escalated to the lead officer.
    placing_chase_working_days: Mapped[int] = mapped_column(default=2)
    clock_modes: Mapped[dict] = mapped_column(JSON, default=dict)
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    stage_one_decider: Mapped[str] = mapped_column(String(20), default=Decider.DASS.value)
    named_decider_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    initial_meeting_private_part: Mapped[bool] = mapped_column(default=True)
    # The preset the host started from (app/cases/presets.py), for the settings page.
    preset: Mapped[str] = mapped_column(String(40), default="multi_agency")
    notifications: Mapped[dict] = mapped_column(JSON, default=dict)

    @classmethod
    def visible_to(cls, scope: Scope):
        if scope.provider_id is None:
            return equals(cls.tenant_id, scope.tenant_id)
        from app.cases.models import Case

        cases = Case.__table__
        return equals(cls.tenant_id, scope.tenant_id) | exists(select(cases.c.id).where(
            cases.c.tenant_id == cls.tenant_id, equals(cases.c.provider_id, scope.provider_id),
            cases.c.provider_informed_at.is_not(None), cases.c.provider_kept_out.is_(False)))

    def clock_mode(self, key: str) -> ClockMode:
        return clock_mode_of(self, key)


def clock_mode_of(settings, key: str) -> ClockMode:
    """Return how the clock ``key`` runs under ``settings`` (a fixed timescale by default)."""
    modes = getattr(settings, "clock_modes", None) or {}
    try:
        return ClockMode(modes.get(key, ClockMode.DAYS.value))
    except ValueError:
        return ClockMode.DAYS


def settings_for(tenant_id: int) -> ProcedureSettings:
    """Return the authority's settings, or unsaved defaults if it never changed them. Read
    once per request and reader: a case page asks for them from its clocks, its stage rules
    and its notices alike."""
    if not has_request_context():
        return _read_settings(tenant_id)
    cache = g.setdefault("procedure_settings", {})
    key = (tenant_id, get_scope(db.session))  # what may be read depends on who reads
    if key not in cache:
        cache[key] = _read_settings(tenant_id)
    return cache[key]


def _read_settings(tenant_id: int) -> ProcedureSettings:
    row = db.session.scalar(
        select(ProcedureSettings).where(ProcedureSettings.tenant_id == tenant_id)
    )
    return row or ProcedureSettings(tenant_id=tenant_id, **fresh_defaults())


def values_of(settings: ProcedureSettings) -> dict:
    """Return every setting as JSON-ready values (what a version keeps)."""
    values = {}
    for key in DEFAULTS:
        value = getattr(settings, key)
        values[key] = dict(value) if isinstance(value, dict) else value
    return values

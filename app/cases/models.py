"""A provider concern ("case"), owned by the host authority where the provider sits.

Placing authorities with a share and the provider, once told, read the case row: reference,
title, summary, stage, themes, milestones and the host's key dates. How the host reached its
milestones is a host-only row of its own (``CaseDetail``), read and written through the case
under its old names (``case.provider_informed_how``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import CreatedAtMixin, InSubquery, str_enum, utcnow
from app.extensions import db
from app.placing.models import CaseShare
from app.providers.models import Location, Provider
from app.tenants.models import Authority
from app.tenants.scoping import Scope, TenantScoped, equals


class Stage(StrEnum):
    DECISION = "decision"
    INITIAL_MEETING = "initial_meeting"
    FINDINGS = "findings"
    UPDATE_MEETINGS = "update_meetings"
    QUALITY_ASSURANCE = "quality_assurance"
    CLOSING = "closing"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.DECISION: "1. Decision",
    Stage.INITIAL_MEETING: "2. Initial meeting",
    Stage.FINDINGS: "3. Findings meeting",
    Stage.UPDATE_MEETINGS: "4. Update meetings",
    Stage.QUALITY_ASSURANCE: "5. Quality assurance",
    Stage.CLOSING: "6. Closing",
    Stage.CLOSED: "Closed",
}


class CaseDetail(TenantScoped, db.Model):
    """The host's own record of how it reached a case's milestones: how and by whom the provider
    was told (and why that was recorded late), how the plan was received, and the outcome of the
    contract review. Host only: placing authorities and the provider read the case, never this.
    """

    __tablename__ = "case_detail"
    __table_args__ = (UniqueConstraint("case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    provider_informed_how: Mapped[str] = mapped_column(String(100), default="")
    provider_informed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    provider_informed_backdate_reason: Mapped[str] = mapped_column(Text, default="")
    plan_received_how: Mapped[str] = mapped_column(String(100), default="")
    contract_review_outcome: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="detail")
    provider_informed_by: Mapped[User | None] = relationship(foreign_keys=[provider_informed_by_id])


# The case's old attribute names for its detail's columns, and what a reader without it reads.
DETAIL_FIELDS = {"provider_informed_how": "", "provider_informed_by_id": None,
                 "provider_informed_backdate_reason": "", "plan_received_how": "",
                 "contract_review_outcome": None}


def _detail_field(name: str) -> property:
    def read(case: Case):
        return DETAIL_FIELDS[name] if case.detail is None else getattr(case.detail, name)

    def write(case: Case, value) -> None:
        setattr(case.host_detail(), name, value)

    return property(read, write, doc=f"The case's {name}, from the host's own detail row.")


class Case(TenantScoped, CreatedAtMixin, db.Model):
    """One provider concern. Placing authorities read it through a share; the provider reads
    its own organisation's cases in the provider portal."""

    __tablename__ = "cases"
    # References are the host's own (WX-2026-0004): unique within an authority only, so that
    # nothing about another authority's numbering can show.
    __table_args__ = (UniqueConstraint("tenant_id", "reference"),
                      Index("ix_cases_tenant_id_next_due_at", "tenant_id", "next_due_at"))
    # A provider reads its case only once the host has recorded that it was told, and never
    # while police or a coroner have it kept out (app/cases/provider_notice.py).
    RLS_READ = (
        "tenant_id = app_tenant() OR (provider_id = app_provider() "
        "AND provider_informed_at IS NOT NULL AND NOT provider_kept_out) OR EXISTS ("
        "SELECT 1 FROM case_share s WHERE s.case_id = cases.id "
        "AND s.placing_authority_id = app_tenant() AND s.ended_at IS NULL)"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30))
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[Stage] = mapped_column(str_enum(Stage), default=Stage.DECISION)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    lead_officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    themes: Mapped[str] = mapped_column(Text, default="")
    # Milestones the statutory clocks are measured against (see app/cases/clocks.py).
    provider_informed_at: Mapped[datetime | None]
    # True while a police or coroner exclusion is in force (ProviderExclusion holds the record).
    provider_kept_out: Mapped[bool] = mapped_column(default=False)
    plan_first_submitted_at: Mapped[datetime | None]
    closure_notified_at: Mapped[datetime | None]
    contract_review_at: Mapped[datetime | None]
    # The clocks as the host computed them (app/cases/key_dates.py): what a placing authority
    # reads, since it cannot read the host's decision, meetings or procedure settings.
    key_dates: Mapped[list | None] = mapped_column(JSON)
    # The version of the host's procedure the case runs under (app/cases/procedure_versions.py);
    # none for a case opened before versions were kept: it follows the current settings.
    procedure_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_version.id"))
    # Dates agreed at a meeting for the clocks the procedure sets that way: clock key -> ISO day.
    agreed_dates: Mapped[dict | None] = mapped_column(JSON)
    # Stored with the key dates, so that lists order "overdue first, then soonest due" and
    # page in SQL instead of computing every clock of every case: when the first open clock
    # in force falls due (none: null), and whether a closed case still owes something.
    next_due_at: Mapped[datetime | None]
    owes_after_closing: Mapped[bool] = mapped_column(default=False)

    host_authority: Mapped[Authority] = relationship(foreign_keys="Case.tenant_id")
    provider: Mapped[Provider] = relationship()
    location: Mapped[Location | None] = relationship()
    lead_officer: Mapped[User | None] = relationship(foreign_keys=[lead_officer_id])
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    decision: Mapped[Decision | None] = relationship(back_populates="case", uselist=False)
    stage_changes: Mapped[list[StageChange]] = relationship(
        back_populates="case", order_by="StageChange.id"
    )
    exclusions: Mapped[list[ProviderExclusion]] = relationship(order_by="ProviderExclusion.id")
    # Loaded with the case in the same statement; None for a reader other than the host.
    detail: Mapped[CaseDetail | None] = relationship(
        back_populates="case", uselist=False, lazy="joined", cascade="all, delete-orphan"
    )

    provider_informed_how = _detail_field("provider_informed_how")
    provider_informed_by_id = _detail_field("provider_informed_by_id")
    provider_informed_backdate_reason = _detail_field("provider_informed_backdate_reason")
    plan_received_how = _detail_field("plan_received_how")
    contract_review_outcome = _detail_field("contract_review_outcome")

    def __init__(self, **values):
        # A new case has its host detail from the start, filled once it knows its authority.
        later = {name: values.pop(name) for name in list(values) if name in DETAIL_FIELDS}
        super().__init__(**values)
        self.host_detail()
        for name, value in later.items():
            setattr(self, name, value)

    def host_detail(self) -> CaseDetail:
        """Return the host's detail row, made if the case has none yet."""
        if self.detail is None:
            self.detail = CaseDetail(tenant_id=self.tenant_id)
        return self.detail

    @property
    def provider_informed_by(self) -> User | None:
        return None if self.detail is None else self.detail.provider_informed_by

    @classmethod
    def visible_to(cls, scope: Scope):
        # The share table is read through Core so the share's own criteria are not re-applied
        # inside this one; its condition repeats the share rule for placing authorities.
        # Written as "id among the shared ids" so that PostgreSQL finds the host's cases and
        # the shared ones each through an index (app.db.InSubquery), not by reading every case.
        shares = CaseShare.__table__
        shared = (
            InSubquery(cls.id, select(shares.c.case_id).where(
                shares.c.placing_authority_id == scope.tenant_id, shares.c.ended_at.is_(None)))
            if scope.tenant_id is not None
            else equals(cls.id, None)
        )
        told_provider = (
            equals(cls.provider_id, scope.provider_id)
            & cls.provider_informed_at.is_not(None)
            & cls.provider_kept_out.is_(False)
        )
        return equals(cls.tenant_id, scope.tenant_id) | told_provider | shared

    @property
    def closed(self) -> bool:
        return self.stage is Stage.CLOSED


class CaseReferenceCounter(TenantScoped, db.Model):
    """The last case number an authority gave in a year; taken under a row lock."""

    __tablename__ = "case_reference_counter"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)


class ProviderExclusion(TenantScoped, CreatedAtMixin, db.Model):
    """Police or a coroner advise that the provider must not be told (or must be kept out of a
    stage) yet: why, who advised, who agreed, and when it was lifted. Host only."""

    __tablename__ = "provider_exclusion"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[Stage] = mapped_column(str_enum(Stage, 40, name="exclusion_stage"))
    reason: Mapped[str] = mapped_column(Text)
    advised_by: Mapped[str] = mapped_column(String(200))
    agreed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lifted_reason: Mapped[str] = mapped_column(Text, default="")

    agreed_by: Mapped[User] = relationship(foreign_keys=[agreed_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])


class StageChange(TenantScoped, db.Model):
    """One move of a case between stages: who, when and why (the stage history)."""

    __tablename__ = "stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_stage: Mapped[Stage | None] = mapped_column(
        str_enum(Stage, 40, name="from_stage"), nullable=True
    )
    to_stage: Mapped[Stage] = mapped_column(str_enum(Stage, 40, name="to_stage"))
    moved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    moved_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="stage_changes")
    moved_by: Mapped[User | None] = relationship()


class DecisionOutcome(StrEnum):
    PROCEED = "proceed"
    OTHER_CHANNELS = "other_channels"

    @property
    def label(self) -> str:
        return {
            DecisionOutcome.PROCEED: "Proceed under the provider concerns process",
            DecisionOutcome.OTHER_CHANNELS: "Handle through other channels",
        }[self]


class Decision(TenantScoped, CreatedAtMixin, db.Model):
    """Stage 1: threshold assessment, recommendation to the DASS, and the DASS decision.

    Host only: DESIGN.md keeps the threshold assessment from placing authorities and providers.
    """

    __tablename__ = "case_decision"
    __table_args__ = (UniqueConstraint("case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    threshold_assessment: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recommended_at: Mapped[datetime | None]
    outcome: Mapped[DecisionOutcome | None] = mapped_column(
        str_enum(DecisionOutcome, 20), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    # The factors that raise a concern's weight (AGGRAVATING_FACTORS keys), recorded with the
    # threshold assessment.
    aggravating_factors: Mapped[list | None] = mapped_column(JSON)

    case: Mapped[Case] = relationship(back_populates="decision")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def aggravating_labels(self) -> list[str]:
        return [AGGRAVATING_FACTORS[key] for key in self.aggravating_factors or []
                if key in AGGRAVATING_FACTORS]


# West Sussex 2.5 and issue 15 item 4: what makes a provider concern weigh more.
AGGRAVATING_FACTORS = {
    "media_interest": "Potential for media interest",
    "volume_and_severity": "High volume of safeguarding concerns and severity of risk",
    "dangerous_culture": "A culture of dangerous practices",
    "senior_response": "The need for a senior level coordinated response",
    "positions_of_trust": "People or organisations in positions of trust or power",
}


class IntelligenceSource(StrEnum):
    S42_ENQUIRY = "s42_enquiry"
    DATIX = "datix"
    QASIG_REQUEST = "qasig_request"
    PARTNER_CONCERN = "partner_concern"
    COMPLAINT = "complaint"
    CQC_REPORT = "cqc_report"
    CONTRACT_MONITORING = "contract_monitoring"

    @property
    def label(self) -> str:
        return INTELLIGENCE_LABELS[self]


INTELLIGENCE_LABELS = {
    IntelligenceSource.S42_ENQUIRY: "Section 42 enquiries",
    IntelligenceSource.DATIX: "Health Datix reports",
    IntelligenceSource.QASIG_REQUEST: "QASIG request",
    IntelligenceSource.PARTNER_CONCERN: "Partner agency concern",
    IntelligenceSource.COMPLAINT: "Complaints",
    IntelligenceSource.CQC_REPORT: "CQC report",
    IntelligenceSource.CONTRACT_MONITORING: "Contract monitoring",
}


class IntelligenceItem(TenantScoped, CreatedAtMixin, db.Model):
    """A piece of intelligence about a provider, gathered before or during a case (host only)."""

    __tablename__ = "intelligence_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    source: Mapped[IntelligenceSource] = mapped_column(str_enum(IntelligenceSource, 30))
    received_on: Mapped[date]
    count: Mapped[int] = mapped_column(default=1)
    reference: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # A CQC report carries the rating it gave (e.g. "Requires improvement").
    cqc_rating: Mapped[str | None] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    provider: Mapped[Provider] = relationship()
    location: Mapped[Location | None] = relationship()

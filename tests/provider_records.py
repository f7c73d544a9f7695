"""Records of host A's case as the provider portal tests need them: actions of every kind of
owner, and meetings whose parts are shared or not, each text unique so a page can be searched."""

from __future__ import annotations

from datetime import UTC, datetime

from app.actions.models import OwnerKind
from app.cases.models import Case
from app.extensions import db
from app.meetings.models import MeetingKind
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as
from tests import factories

HELD = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def build(app, world, *, told: bool = True, kept_out: bool = False) -> dict:
    """Add the records to host A's case, told (or not) to the provider; return their ids."""
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        case.provider_informed_at = HELD if told else None
        case.provider_kept_out = kept_out
        host = db.session.get(Authority, world.host_a)
        placing = db.session.get(Authority, world.placing_shared)
        made = {
            "provider_action": factories.action(
                case, owner_kind=OwnerKind.PROVIDER, description="PROVIDER-OWNED-ACTION").id,
            "host_action": factories.action(case, host, description="HOST-OWNED-ACTION").id,
            "placing_action": factories.action(case, placing, description="PLACING-ACTION").id,
            "agency_action": factories.action(case, description="AGENCY-ACTION").id,
            "shared_meeting": factories.meeting(
                case, MeetingKind.INITIAL, held_at=HELD,
                minutes_part_one="PART-ONE-SECRET", minutes_part_two="PART-TWO-SHARED",
                part_two_shared_with_provider=True, part_one_shared_with_placing=True,
            ).id,
            "unshared_meeting": factories.meeting(
                case, MeetingKind.FINDINGS, held_at=HELD,
                minutes_part_two="PART-TWO-NOT-SHARED", part_two_shared_with_placing=True,
            ).id,
        }
        risk = factories.risk(case, title="INTERNAL-RISK-TITLE")
        made["risk"] = risk.id
        db.session.commit()
    # Case B, at host B, is provider B's and told: provider A must never see its records.
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_b)):
        case_b = db.session.get(Case, world.case_b)
        case_b.provider_informed_at = HELD
        made["other_provider_action"] = factories.action(
            case_b, owner_kind=OwnerKind.PROVIDER, description="OTHER-PROVIDER-ACTION").id
        made["other_provider_meeting"] = factories.meeting(
            case_b, held_at=HELD, minutes_part_two="OTHER-PROVIDER-MINUTES",
            part_two_shared_with_provider=True).id
        db.session.commit()
    return made

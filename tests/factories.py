"""Factories for test data, and ``build_world``: a small world of every kind of outsider.

Call them inside an app context. Every person created here has the password ``PASSWORD``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from app.auth.models import Realm, User
from app.auth.passwords import hash_password
from app.cases.models import Case, Stage
from app.extensions import db
from app.placing.models import CaseShare
from app.providers.models import Location, Provider, ProviderMembership, ProviderRole
from app.residents.models import Resident
from app.tenants.models import Authority, AuthorityKind, Membership, Role
from app.tenants.scoping import Scope, scoped_as

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)
_password_hash: str | None = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def authority(name: str | None = None, kind=AuthorityKind.LOCAL_AUTHORITY, **extra) -> Authority:
    n = next(_sequence)
    row = Authority(name=name or f"Authority {n}", code=extra.pop("code", f"E0{n:07d}"), kind=kind, **extra)
    db.session.add(row)
    db.session.flush()
    return row


def user(email: str | None = None, realm=Realm.STAFF, **extra) -> User:
    n = next(_sequence)
    row = User(
        email=email or f"person{n}@example.org",
        name=extra.pop("name", f"Person {n}"),
        realm=realm,
        password_hash=_hash(),
        **extra,
    )
    db.session.add(row)
    db.session.flush()
    return row


def member(of: Authority, *roles: Role, person: User | None = None, **extra) -> User:
    person = person or user(**extra)
    with scoped_as(db.session, Scope(tenant_id=of.id)):
        membership = Membership(tenant_id=of.id, user_id=person.id)
        membership.roles = roles or [Role.VIEWER]
        db.session.add(membership)
        db.session.flush()
    return person


def provider(name: str | None = None) -> Provider:
    n = next(_sequence)
    row = Provider(name=name or f"Provider {n}", cqc_provider_id=f"1-{800000000 + n}")
    db.session.add(row)
    db.session.flush()
    return row


def location(of: Provider, host: Authority, name: str | None = None) -> Location:
    n = next(_sequence)
    row = Location(
        provider_id=of.id,
        host_authority_id=host.id,
        name=name or f"Location {n}",
        cqc_location_id=f"1-{700000000 + n}",
        address_line_1=f"{n} High Street",
        town="Wexbridge",
        postcode="WX1 1AA",
    )
    db.session.add(row)
    db.session.flush()
    return row


def provider_user(of: Provider, role=ProviderRole.MANAGER, **extra) -> User:
    person = user(realm=Realm.PROVIDER, **extra)
    db.session.add(ProviderMembership(provider_id=of.id, user_id=person.id, role=role))
    db.session.flush()
    return person


def resident(at: Location, placed_by: Authority | None = None, **extra) -> Resident:
    n = next(_sequence)
    with scoped_as(db.session, Scope(tenant_id=at.host_authority_id, reads_residents=True)):
        row = Resident(
            tenant_id=at.host_authority_id,
            location_id=at.id,
            placing_authority_id=placed_by.id if placed_by else None,
            given_name=extra.pop("given_name", f"Given{n}"),
            family_name=extra.pop("family_name", f"Family{n}"),
            date_of_birth=date(1940, 1, 1),
            **extra,
        )
        db.session.add(row)
        db.session.flush()
    return row


def case(at: Location, stage: Stage = Stage.DECISION, **extra) -> Case:
    n = next(_sequence)
    with scoped_as(db.session, Scope(tenant_id=at.host_authority_id)):
        row = Case(
            tenant_id=at.host_authority_id,
            reference=extra.pop("reference", f"REF-{n:04d}"),
            provider_id=at.provider_id,
            location_id=at.id,
            title=extra.pop("title", f"Concern number {n}"),
            stage=stage,
            **extra,
        )
        db.session.add(row)
        db.session.flush()
    return row


def share(of: Case, with_authority: Authority, **extra) -> CaseShare:
    with scoped_as(db.session, Scope(tenant_id=of.tenant_id)):
        row = CaseShare(
            tenant_id=of.tenant_id, case_id=of.id, placing_authority_id=with_authority.id, **extra
        )
        db.session.add(row)
        db.session.flush()
    return row


@dataclass
class World:
    """Ids and emails only, so that a test can use them in any app context."""

    host_a: int
    host_b: int
    placing_shared: int
    placing_unshared: int
    provider_a: int
    provider_b: int
    case_a: int
    case_b: int
    case_a_reference: str
    case_b_reference: str
    resident_a_self_funder: int
    resident_a_placed: int
    resident_a_other_placer: int
    resident_b: int
    resident_b_name: str
    users: dict[str, str] = field(default_factory=dict)


def build_world() -> World:
    """Build two host authorities, each with a provider, residents and a case, plus a placing
    authority that has a share on A's case and one that does not, and users of every kind."""
    host_a = authority("Host A County Council")
    host_b = authority("Host B County Council")
    placing_shared = authority("Placing Shared Council")
    placing_unshared = authority("Placing Unshared ICB", kind=AuthorityKind.ICB)
    provider_a, provider_b = provider("Provider A Ltd"), provider("Provider B Ltd")
    location_a, location_b = location(provider_a, host_a), location(provider_b, host_b)
    residents = {
        "a_self": resident(location_a),
        "a_placed": resident(location_a, placing_shared),
        "a_other": resident(location_a, placing_unshared),
        "b": resident(location_b, placing_shared, given_name="Bathsheba", family_name="Outsider"),
    }
    case_a = case(location_a, reference="A-0001", title="Case at host A")
    case_b = case(location_b, reference="B-0001", title="Case at host B")
    share(case_a, placing_shared)
    users = {
        "host_a_admin": member(host_a, Role.TENANT_ADMIN, email="admin@host-a.example").email,
        "host_a_dass": member(host_a, Role.DASS, email="dass@host-a.example").email,
        "host_a_lead": member(host_a, Role.LEAD_OFFICER, email="lead@host-a.example").email,
        "host_a_viewer": member(host_a, Role.VIEWER, email="viewer@host-a.example").email,
        "host_b_lead": member(host_b, Role.LEAD_OFFICER, email="lead@host-b.example").email,
        "host_b_admin": member(host_b, Role.TENANT_ADMIN, email="admin@host-b.example").email,
        "placing_shared_lead": member(placing_shared, Role.LEAD_OFFICER, email="lead@placing-shared.example").email,
        "placing_unshared_lead": member(placing_unshared, Role.LEAD_OFFICER, email="lead@placing-unshared.example").email,
        "provider_a_manager": provider_user(provider_a, email="manager@provider-a.example").email,
        "provider_b_manager": provider_user(provider_b, email="manager@provider-b.example").email,
        "platform_admin": user(email="admin@platform.example", is_platform_admin=True).email,
    }
    built = World(
        host_a=host_a.id,
        host_b=host_b.id,
        placing_shared=placing_shared.id,
        placing_unshared=placing_unshared.id,
        provider_a=provider_a.id,
        provider_b=provider_b.id,
        case_a=case_a.id,
        case_b=case_b.id,
        case_a_reference=case_a.reference,
        case_b_reference=case_b.reference,
        resident_a_self_funder=residents["a_self"].id,
        resident_a_placed=residents["a_placed"].id,
        resident_a_other_placer=residents["a_other"].id,
        resident_b=residents["b"].id,
        resident_b_name="Bathsheba Outsider",
        users=users,
    )
    db.session.commit()
    return built


def meeting(of: Case, kind=None, **extra):
    """Schedule a meeting of ``of`` (initial by default) with the procedure's agenda headings."""
    from datetime import UTC, datetime

    from app.meetings.agendas import agenda_for, agenda_text
    from app.meetings.models import Meeting, MeetingKind

    kind = kind or MeetingKind.INITIAL
    agenda = agenda_for(kind)
    with scoped_as(db.session, Scope(tenant_id=of.tenant_id)):
        row = Meeting(
            tenant_id=of.tenant_id,
            case_id=of.id,
            kind=kind,
            scheduled_for=extra.pop("scheduled_for", datetime(2026, 3, 2, 10, 0, tzinfo=UTC)),
            venue=extra.pop("venue", "County Hall, Room 1"),
            agenda_part_one=extra.pop("agenda_part_one", agenda_text(agenda.part_one)),
            agenda_part_two=extra.pop("agenda_part_two", agenda_text(agenda.part_two)),
            **extra,
        )
        db.session.add(row)
        db.session.flush()
    return row


def risk(of: Case, likelihood: int = 3, impact: int = 3, **extra):
    """Add a risk to ``of`` with its first scoring (a safe-care risk by default)."""
    from app.risks.models import KeyQuestion, Risk, RiskScore

    n = next(_sequence)
    with scoped_as(db.session, Scope(tenant_id=of.tenant_id)):
        row = Risk(
            tenant_id=of.tenant_id,
            case_id=of.id,
            title=extra.pop("title", f"Risk number {n}"),
            key_question=extra.pop("key_question", KeyQuestion.SAFE),
            likelihood=likelihood,
            impact=impact,
            **extra,
        )
        row.scores.append(RiskScore(tenant_id=of.tenant_id, likelihood=likelihood, impact=impact,
                                    note="Scored when the risk was added"))
        db.session.add(row)
        db.session.flush()
    return row


def action(of: Case, owner_authority: Authority | None = None, **extra):
    """Add an open action to ``of``, owned by ``owner_authority`` or else by a named agency."""
    from datetime import timedelta

    from app.actions.models import Action, OwnerKind

    n = next(_sequence)
    owner = {"owner_kind": OwnerKind.AUTHORITY, "owner_authority_id": owner_authority.id} if (
        owner_authority) else {"owner_kind": OwnerKind.AGENCY, "owner_agency": "Sussex Police"}
    with scoped_as(db.session, Scope(tenant_id=of.tenant_id)):
        row = Action(
            tenant_id=of.tenant_id,
            case_id=of.id,
            description=extra.pop("description", f"Action number {n}"),
            due_on=extra.pop("due_on", date.today() + timedelta(days=14)),
            **{**owner, **extra},
        )
        db.session.add(row)
        db.session.flush()
    return row

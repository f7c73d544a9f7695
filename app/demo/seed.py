"""A fictional demo world: one host county, three placing authorities, two providers.

Every name here is invented. The host is Wexbridge County Council; Northmoor City Council,
Eastvale Borough Council and Southdown ICB place residents with Wexbridge's providers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app.auth.models import Realm, User
from app.auth.passwords import hash_password
from app.extensions import db
from app.placing.contacts import AlertContact
from app.providers.models import Location, Provider, ProviderMembership, ProviderRole
from app.residents.models import Resident
from app.tenants.models import Authority, AuthorityKind, Membership, Role
from app.tenants.scoping import acting_for_authority
from app.unit_of_work import commit

HOST = ("Wexbridge County Council", "E10000901", AuthorityKind.LOCAL_AUTHORITY, "wexbridge")
# Each authority's short code, at the start of its case references (WX-2026-0004).
REFERENCE_PREFIXES = {"wexbridge": "WX", "northmoor": "NM", "eastvale": "EV", "southdown-icb": "SD"}
PLACING = [
    ("Northmoor City Council", "E06000901", AuthorityKind.LOCAL_AUTHORITY, "northmoor"),
    ("Eastvale Borough Council", "E07000901", AuthorityKind.LOCAL_AUTHORITY, "eastvale"),
    ("Southdown ICB", "QZ9", AuthorityKind.ICB, "southdown-icb"),
]
PROVIDERS = [
    (
        "Harbour Lights Care Ltd",
        "1-900000001",
        "harbourlights",
        [
            ("Harbour Lights Nursing Home", "1-900000101", "12 Quay Road", "Wexbridge", "WX1 4QR", "Nursing home"),
            ("Seaview House", "1-900000102", "3 Cliff Parade", "Saltmouth", "WX7 2SP", "Residential care home"),
        ],
    ),
    (
        "Meadowbank Healthcare Ltd",
        "1-900000002",
        "meadowbank",
        [
            ("Meadowbank Lodge", "1-900000201", "40 Mill Lane", "Wexbridge", "WX2 8ML", "Residential care home"),
            ("Orchard Court", "1-900000202", "Orchard Way", "Thornbury Green", "WX5 3OC", "Supported living"),
        ],
    ),
]
# The registered manager of each location, as on the CQC register (closure letters greet them).
DEMO_MANAGERS = {
    "Harbour Lights Nursing Home": "Mrs Joan Pearce",
    "Seaview House": "Mr Amir Haddad",
    "Meadowbank Lodge": "Ms Claire Okafor",
    "Orchard Court": "Mr Tom Reilly",
}
GIVEN = ["Ada", "Bernard", "Cecily", "Dennis", "Edith", "Frank", "Gwen", "Harold", "Irene", "Jack",
         "Kathleen", "Leonard", "Mabel", "Norman", "Olive", "Percy", "Queenie", "Ronald", "Sylvia",
         "Thomas", "Una", "Victor", "Winifred", "Arthur", "Beryl", "Clifford", "Doris", "Ernest",
         "Florence", "George"]
FAMILY = ["Ashdown", "Blackwood", "Carraway", "Dunmore", "Ellery", "Fairweather", "Garside",
          "Holloway", "Ingleby", "Jessop", "Kettering", "Lockwood", "Marchbank", "Northcott",
          "Oakridge", "Pemberton", "Quarrie", "Redfern", "Stainton", "Thistlewood", "Underhill",
          "Vickery", "Whitlock", "Yardley", "Ashworth", "Brackley", "Colbourne", "Dewhurst",
          "Eastwood", "Fenwick"]
FIRST_NAMES = {
    Role.DASS: "Diana", Role.LEAD_OFFICER: "Leo", Role.COORDINATOR: "Cora", Role.CHAIR: "Charles",
    Role.CONTRACTS: "Connie", Role.PRACTITIONER: "Priya", Role.VIEWER: "Victor", Role.TENANT_ADMIN: "Adam",
}


@dataclass
class DemoAccount:
    email: str
    authority: str
    role: str


def _user(email: str, name: str, password_hash: str, realm: Realm = Realm.STAFF, **extra) -> User:
    user = User(email=email, name=name, realm=realm, password_hash=password_hash, **extra)
    db.session.add(user)
    return user


def _staff(authority: Authority, slug: str, password_hash: str, accounts: list) -> dict[Role, User]:
    users = {}
    surname = slug.split("-")[0].capitalize()
    for role in Role:
        email = f"{role.value.replace('_', '.')}@{slug}.example"
        user = _user(email, f"{FIRST_NAMES[role]} {surname}", password_hash)
        db.session.flush()
        with acting_for_authority(db.session, authority.id, user_id=user.id, why="demo seeding"):
            membership = Membership(tenant_id=authority.id, user_id=user.id)
            membership.roles = [role]
            db.session.add(membership)
            db.session.flush()
        users[role] = user
        accounts.append(DemoAccount(email, authority.name, role.label))
    admin = users[Role.TENANT_ADMIN]
    with acting_for_authority(db.session, authority.id, user_id=admin.id, why="demo seeding"):
        # Where host authorities send their alerts, as the authority's admin would set it.
        db.session.add(AlertContact(tenant_id=authority.id, name="Safeguarding team",
                                    email=f"safeguarding@{slug}.example", updated_by_id=admin.id))
        db.session.flush()
    return users


def _locations(host: Authority) -> tuple[list[Provider], list[Location]]:
    providers, locations = [], []
    for name, cqc_id, _slug, sites in PROVIDERS:
        provider = Provider(name=name, cqc_provider_id=cqc_id)
        db.session.add(provider)
        db.session.flush()
        providers.append(provider)
        for site, loc_id, line1, town, postcode, kind in sites:
            location = Location(provider_id=provider.id, host_authority_id=host.id, name=site,
                                cqc_location_id=loc_id, address_line_1=line1, town=town,
                                postcode=postcode, service_type=kind,
                                registered_manager=DEMO_MANAGERS.get(site))
            db.session.add(location)
            locations.append(location)
    db.session.flush()
    return providers, locations


def _residents(host: Authority, placing: list[Authority], locations: list[Location]) -> None:
    rng = random.Random(2026)
    placers = [None, host, *placing]  # None: self-funder
    with acting_for_authority(db.session, host.id, reads_residents=True, why="demo seeding"):
        for i in range(30):
            placer = placers[i % len(placers)]
            db.session.add(Resident(
                tenant_id=host.id,
                location_id=locations[i % len(locations)].id,
                placing_authority_id=placer.id if placer else None,
                given_name=GIVEN[i],
                family_name=FAMILY[(i * 7) % len(FAMILY)],
                date_of_birth=date(1930 + rng.randrange(0, 40), rng.randrange(1, 13), rng.randrange(1, 29)),
                placing_reference=f"{placer.code[:3]}-{10000 + i}" if placer else None,
                moved_in_on=date(2026, 11, 1) - timedelta(days=rng.randrange(60, 2000)),
            ))
        db.session.flush()


def _cases(host: Authority, placing: list[Authority], providers, locations, staff: dict) -> None:
    from app.cases.models import Case, Stage
    from app.demo.cases import seed_cases
    from app.demo.quality import seed_quality

    with acting_for_authority(db.session, host.id, user_id=staff[Role.LEAD_OFFICER].id,
                              why="demo seeding"):
        seed_cases(host, placing, providers, locations, staff)
        # The case at stage 5 gets feedback to compare and a scrutiny visit.
        at_quality_assurance = db.session.scalar(select(Case).where(
            Case.tenant_id == host.id, Case.stage == Stage.QUALITY_ASSURANCE))
        if at_quality_assurance is not None:
            seed_quality(at_quality_assurance, staff[Role.LEAD_OFFICER])


def _provider_users(providers: list[Provider], password_hash: str, accounts: list) -> None:
    for provider, (_name, _cqc, slug, _sites) in zip(providers, PROVIDERS, strict=True):
        for role, local in ((ProviderRole.MANAGER, "manager"), (ProviderRole.CONTRIBUTOR, "contributor")):
            email = f"{local}@{slug}.example"
            user = _user(email, f"{local.capitalize()} at {provider.name}", password_hash, Realm.PROVIDER)
            db.session.flush()
            db.session.add(ProviderMembership(provider_id=provider.id, user_id=user.id, role=role))
            accounts.append(DemoAccount(email, provider.name, role.value.replace("_", " ").capitalize()))


def seed_demo(password: str) -> list[DemoAccount] | None:
    """Create the demo world; return its accounts, or None if it already exists."""
    if db.session.scalar(select(Authority).where(Authority.code == HOST[1])) is not None:
        return None
    password_hash = hash_password(password)
    accounts: list[DemoAccount] = []
    authorities = []
    for name, code, kind, slug in [HOST, *PLACING]:
        authority = Authority(name=name, code=code, kind=kind,
                              reference_prefix=REFERENCE_PREFIXES[slug])
        db.session.add(authority)
        authorities.append(authority)
    db.session.flush()
    host, placing = authorities[0], authorities[1:]
    admin = _user("admin@platform.example", "Pat Platform", password_hash, is_platform_admin=True)
    accounts.append(DemoAccount(admin.email, "(platform)", "Platform administrator"))
    staff_by_authority = [
        _staff(authority, slug, password_hash, accounts)
        for authority, (_n, _c, _k, slug) in zip(authorities, [HOST, *PLACING], strict=True)
    ]
    providers, locations = _locations(host)
    _residents(host, placing, locations)
    _cases(host, placing, providers, locations, staff_by_authority[0])
    _provider_users(providers, password_hash, accounts)
    commit("demo world seeded")
    return accounts

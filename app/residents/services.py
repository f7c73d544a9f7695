"""Reading residents: the host sees those living in its area, a placing authority its own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.providers.models import Location
from app.residents.models import Resident
from app.tenants.models import Authority


def residents_in_view():
    """The statement listing the residents the scope may read, with what the list shows."""
    return (
        select(Resident)
        .options(
            joinedload(Resident.location).joinedload(Location.provider),
            joinedload(Resident.placing_authority),
            joinedload(Resident.joint_funder),
        )
        .order_by(Resident.family_name, Resident.given_name, Resident.id)
    )


def list_residents() -> list[Resident]:
    return list(db.session.scalars(residents_in_view()))


def get_resident(resident_id: int) -> Resident | None:
    return db.session.get(Resident, resident_id)


def host_locations(authority_id: int) -> list[Location]:
    """Return the locations in the host authority's area, where its register lives."""
    return list(db.session.scalars(
        select(Location).where(Location.host_authority_id == authority_id)
        .order_by(Location.name)
    ))


def funding_authorities(excluding: int) -> list[Authority]:
    """Return the authorities that may place or fund a person (any but the host itself)."""
    return list(db.session.scalars(
        select(Authority).where(Authority.id != excluding, Authority.active.is_(True))
        .order_by(Authority.name)
    ))


def authority_names(excluding: int) -> dict[str, int]:
    """Map each authority that may place or fund a person, by its name in lower case, to its id."""
    return {authority.name.lower(): authority.id for authority in funding_authorities(excluding)}


def authority_names_by_id(excluding: int) -> dict[int, str]:
    return {authority.id: authority.name for authority in funding_authorities(excluding)}

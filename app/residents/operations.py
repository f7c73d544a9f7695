"""The host's changes to its register of people using the service, each in its audit trail."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from app.audit.services import record
from app.cases.operations import Actor
from app.db import utcnow
from app.extensions import db
from app.london_time import start_of_day
from app.providers.models import Location
from app.residents.models import Funding, Resident
from app.unit_of_work import operation

FIELDS = ("given_name", "family_name", "date_of_birth", "location_id", "room", "funding",
          "placing_authority_id", "joint_funder_id", "placing_reference", "moved_in_on")

IMPORTED = ("given_name", "family_name", "date_of_birth", "funding", "placing_authority_id",
            "joint_funder_id", "moved_in_on")


class NotTheHost(Exception):
    """Only the authority where the person lives keeps the register."""


def _snapshot(resident: Resident) -> dict:
    values = {name: getattr(resident, name) for name in FIELDS}
    return {name: value.isoformat() if isinstance(value, date) else value
            for name, value in values.items()}


def _check_host(actor: Actor, resident: Resident) -> None:
    if resident.tenant_id != actor.authority_id:
        raise NotTheHost(resident.id)


def _apply(resident: Resident, values: dict) -> None:
    for name in FIELDS:
        value = values.get(name)
        if name in ("placing_authority_id", "joint_funder_id", "location_id"):
            value = value or None
        if name in ("room", "placing_reference"):
            value = value or ("" if name == "room" else None)
        if name == "funding":
            value = Funding(value) if value else None
        setattr(resident, name, value)


@operation
def add_resident(actor: Actor, values: dict) -> Resident:
    """Add a person to the host's register."""
    resident = Resident(tenant_id=actor.authority_id)
    _apply(resident, values)
    db.session.add(resident)
    db.session.flush()
    record(db.session, action="resident.added", obj=resident, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id,
           new=_snapshot(resident))
    return resident


@operation
def change_resident(actor: Actor, resident: Resident, values: dict) -> Resident:
    """Correct a person's entry in the register."""
    _check_host(actor, resident)
    old = _snapshot(resident)
    _apply(resident, values)
    db.session.flush()
    record(db.session, action="resident.changed", obj=resident, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id,
           old=old, new=_snapshot(resident))
    return resident


@operation
def mark_moved_out(actor: Actor, resident: Resident, moved_out_on: date) -> Resident:
    """Record that the person moved out (or stopped using the service) on a day."""
    _check_host(actor, resident)
    old = resident.moved_out_at
    resident.moved_out_at = start_of_day(moved_out_on)
    db.session.flush()
    record(db.session, action="resident.moved_out", obj=resident, tenant_id=actor.authority_id,
           actor_user_id=actor.user.id, actor_authority_id=actor.authority_id,
           old={"moved_out_at": old.isoformat() if old else None},
           new={"moved_out_at": resident.moved_out_at.isoformat()})
    return resident


class NotALocationOfTheHost(Exception):
    """A list is imported only into a location in the host's own area."""


@operation
def import_residents(actor: Actor, location: Location, rows: list[dict], *, checksum: str) -> int:
    """Add every checked row to the register at one location in one statement: all of the
    file or, on any failure, none of it (the operation rolls back)."""
    if location.host_authority_id != actor.authority_id:
        raise NotALocationOfTheHost(location.id)
    values = [
        {"tenant_id": actor.authority_id, "location_id": location.id,
         **{name: row.get(name) for name in IMPORTED}, "room": row.get("room") or "",
         "placing_reference": row.get("placing_reference") or None, "created_at": utcnow()}
        for row in rows
    ]
    # A bulk insert: 5,000 rows in one round of batched statements, not 5,000 flushes.
    db.session.execute(insert(Resident), values)
    record(db.session, action="resident.imported", object_type="Location", object_id=location.id,
           tenant_id=actor.authority_id, actor_user_id=actor.user.id,
           actor_authority_id=actor.authority_id,
           new={"location_id": location.id, "people": len(values), "file_sha256": checksum})
    return len(values)

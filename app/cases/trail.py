"""The audit trail of a case as people read it: who did what and when, with names and dates
instead of the stored ids, field names and ISO timestamps (the stored entries are unchanged)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.formatting import date_and_time as london_datetime
from app.providers.models import Location, Provider

ACTIONS = {
    "case.opened": "Case opened",
    "case.assessment_recorded": "Threshold assessment recorded",
    "case.decided": "DASS decision recorded",
    "case.stage_changed": "Stage changed",
    "case.provider_informed": "Provider told",
    "case.provider_kept_out": "Provider kept out on police or coroner advice",
    "case.provider_exclusion_lifted": "Advice to keep the provider out lifted",
    "case.plan_received": "Improvement Plan received",
    "case.themes_changed": "Themes changed",
    "case.procedure_adopted": "Moved to the current procedure",
    "case.agreed_date_set": "Date agreed at the meeting entered",
    "intelligence.added": "Intelligence added",
    "closure.letters_sent": "Closure letters sent",
    "closure.contract_review_recorded": "Contract monitoring review recorded",
    "audit.corrected": "Entry corrected",
}
# Stored keys that hold a person's id: shown as the person's name.
PERSON_KEYS = re.compile(r"(^|_)(user|officer|chair|by|owner_user|recommended_by)_id$|^lead_officer_id$|^chair_id$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"^[a-z]+(_[a-z]+)+$")
# Stored keys that hold another record's id: shown as its name.
RECORD_KEYS = {"provider_id": Provider, "location_id": Location}


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    when: str
    who: str
    what: str
    before: list[tuple[str, str]]
    after: list[tuple[str, str]]


def action_label(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    subject, _, verb = action.partition(".")
    return f"{subject.replace('_', ' ').capitalize()} {verb.replace('_', ' ')}".strip()


def _field_label(key: str) -> str:
    key = key[:-3] if key.endswith("_id") else key
    return key.replace("_", " ").capitalize()


def _value(key: str, value, names: dict) -> str:
    if value is None or value == "":
        return "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int) and PERSON_KEYS.search(key):
        return names.get(value, "A person no longer in the service")
    if isinstance(value, int) and key in RECORD_KEYS:
        return names.get((key, value), "Not found")
    if isinstance(value, list):
        return ", ".join(_value(key, item, names) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_field_label(k)}: {_value(k, v, names)}" for k, v in value.items())
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return london_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and _ISO_DAY.match(value):
        return date.fromisoformat(value).strftime("%-d %B %Y")
    if isinstance(value, str) and _CODE.match(value):  # a stored code: "other_channels"
        return value.replace("_", " ")
    return str(value)


def _fields(values: dict | None, names: dict[int, str]) -> list[tuple[str, str]]:
    return [(_field_label(key), _value(key, value, names)) for key, value in (values or {}).items()]


def _people_in(events: list[AuditEvent]) -> set[int]:
    ids = {event.actor_user_id for event in events if event.actor_user_id}
    for event in events:
        for values in (event.old_values or {}, event.new_values or {}):
            ids.update(v for k, v in values.items() if isinstance(v, int) and PERSON_KEYS.search(k))
    return ids


def _record_names(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = {key: set() for key in RECORD_KEYS}
    for event in events:
        for values in (event.old_values or {}, event.new_values or {}):
            for key in RECORD_KEYS.keys() & values.keys():
                if isinstance(values[key], int):
                    wanted[key].add(values[key])
    names = {}
    for key, ids in wanted.items():
        model = RECORD_KEYS[key]
        if ids:
            rows = db.session.execute(select(model.id, model.name).where(model.id.in_(ids)))
            names.update({(key, row_id): name for row_id, name in rows})
    return names


def entries(events: list[AuditEvent]) -> list[Entry]:
    """Return the events as readable entries, looking every person and record up once."""
    ids = _people_in(events)
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    names.update(_record_names(events))
    return [
        Entry(event, london_datetime(event.created_at),
              names.get(event.actor_user_id, "The service") if event.actor_user_id else "The service",
              action_label(event.action), _fields(event.old_values, names),
              _fields(event.new_values, names))
        for event in events
    ]

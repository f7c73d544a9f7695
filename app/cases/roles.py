"""Which roles may do and read what (the seeds say who does what; DESIGN.md who reads what).

Every decision about a role is taken here: the access decorators, the menu and the database
scope (``app.tenants.context``) all ask these sets.
"""

from __future__ import annotations

from app.tenants.models import Role

# Everyone who works a case; viewers only read.
CASE_EDITORS = frozenset(
    {Role.DASS, Role.LEAD_OFFICER, Role.COORDINATOR, Role.CHAIR, Role.CONTRACTS, Role.PRACTITIONER}
)
# Everyone who opens case content (cases, intelligence, threshold assessments, residents'
# moves): an authority administrator alone manages users and settings and reads none of it.
CASE_READERS = CASE_EDITORS | {Role.VIEWER}
# Resident-identifiable data: names, dates of birth, moves. Not for viewers, contracts
# officers or authority administrators.
RESIDENT_READERS = frozenset(
    {Role.DASS, Role.LEAD_OFFICER, Role.COORDINATOR, Role.CHAIR, Role.PRACTITIONER}
)
SETTINGS_EDITORS = frozenset({Role.TENANT_ADMIN, Role.DASS})

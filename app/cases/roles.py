"""Which host roles may do what in the stage process (the seeds say who does what)."""

from __future__ import annotations

from app.tenants.models import Role

# Everyone who works a case; viewers only read.
CASE_EDITORS = frozenset(
    {Role.DASS, Role.LEAD_OFFICER, Role.COORDINATOR, Role.CHAIR, Role.CONTRACTS, Role.PRACTITIONER}
)
SETTINGS_EDITORS = frozenset({Role.TENANT_ADMIN, Role.DASS})

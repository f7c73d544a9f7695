"""Import every model so that metadata, migrations and the scoping registry see them all."""

from app.audit.models import AuditEvent  # noqa: F401
from app.auth.models import User, UserIdentity  # noqa: F401
from app.cases.models import Case  # noqa: F401
from app.jobs.models import OutboxMessage  # noqa: F401
from app.placing.models import CaseShare  # noqa: F401
from app.providers.models import Location, Provider, ProviderMembership  # noqa: F401
from app.residents.models import Resident  # noqa: F401
from app.tenants.models import Authority, Invitation, Membership  # noqa: F401

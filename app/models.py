"""Import every model so that metadata, migrations and the scoping registry see them all."""

from app.actions.models import Action  # noqa: F401
from app.actions.placing_updates import PlacingActionUpdate  # noqa: F401
from app.actions.provider_updates import ProviderActionUpdate  # noqa: F401
from app.audit.models import AuditEvent  # noqa: F401
from app.auth.models import User, UserIdentity  # noqa: F401
from app.cases.drafts import Draft  # noqa: F401
from app.cases.models import (  # noqa: F401
    Case,  # noqa: F401
    Decision,
    IntelligenceItem,
    StageChange,
)
from app.cases.procedure_settings import ProcedureSettings  # noqa: F401
from app.cases.procedure_versions import ProcedureVersion  # noqa: F401
from app.emergency.models import EmergencyPlan, PlacementRestriction, ResidentMove  # noqa: F401
from app.first_response.models import FirstResponse  # noqa: F401
from app.jobs.models import OutboxMessage  # noqa: F401
from app.meetings.models import Meeting, MeetingAttendee  # noqa: F401
from app.notices.models import ProviderNotice  # noqa: F401
from app.placing.alert_history import PlacingAlert  # noqa: F401
from app.placing.contacts import AlertContact  # noqa: F401
from app.placing.models import CaseShare, ShareAcknowledgement  # noqa: F401
from app.placing.reviews import ResidentReview  # noqa: F401
from app.placing.tasks import DelegatedTask  # noqa: F401
from app.plans.evidence import EvidenceFile  # noqa: F401
from app.plans.models import ImprovementPlan, PlanItem, PlanVersion  # noqa: F401
from app.providers.models import Location, Provider, ProviderMembership  # noqa: F401
from app.quality.models import (  # noqa: F401
    CommunicationUpdate,
    FeedbackInvitation,
    FeedbackResponse,
    FeedbackThrottle,
    QaActivity,
    QaEscalation,
    QaStrategy,
    YouSaidWeDid,
)
from app.replies.models import ReplyPoint  # noqa: F401
from app.residents.models import Resident  # noqa: F401
from app.risks.models import Risk, RiskScore  # noqa: F401
from app.tenants.models import Authority, Invitation, Membership  # noqa: F401

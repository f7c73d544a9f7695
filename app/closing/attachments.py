"""The closing documents an outbox message can carry (registered in ``create_app``)."""

from __future__ import annotations

from app.closing import services
from app.closing.letters import Addressee, closure_letter, filename
from app.documents import DOCX_TYPE
from app.jobs.rendering import Attachment


def closure_letter_attachment(case_id: int, addressee: str) -> Attachment:
    case, final = services.case_and_final_meeting(case_id)
    chosen = Addressee(addressee)
    return Attachment(filename(case, chosen), DOCX_TYPE, closure_letter(case, final, chosen))

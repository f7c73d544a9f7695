"""Documents an outbox message carries, named by kind and ids and built when it is sent."""

from __future__ import annotations

from app.jobs.rendering import Attachment


def _closure_letter(case_id: int, addressee: str) -> Attachment:
    from app.closing import services
    from app.closing.letters import Addressee, closure_letter, filename
    from app.documents import DOCX_TYPE

    case, final = services.case_and_final_meeting(case_id)
    chosen = Addressee(addressee)
    return Attachment(filename(case, chosen), DOCX_TYPE, closure_letter(case, final, chosen))


BUILDERS = {"closure_letter": _closure_letter}


def build_attachment(kind: str, **ids) -> Attachment:
    return BUILDERS[kind](**ids)

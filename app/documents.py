"""Word documents laid out as a council circulates them: marking, authority, reference."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

MARKING = "OFFICIAL-SENSITIVE"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def council_document(authority_name: str, reference: str) -> Document:
    """Return a new document with the protective marking and the authority's name."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = MARKING
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    section.footer.paragraphs[0].text = f"{MARKING} · {authority_name} · {reference}"
    run = document.add_paragraph().add_run(authority_name)
    run.bold = True
    run.font.size = Pt(14)
    run.font.color.rgb = RGBColor(0x0B, 0x0C, 0x0C)
    return document


def docx_bytes(document: Document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()

"""Word documents laid out as a council circulates them: A4, UK English, the protective
marking, the authority's logo and name, the reference and "Page N of M".

Every piece of text goes in through the helpers below, which clean it of characters XML cannot
hold (python-docx refuses them): text saved before input was cleaned still builds a document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from app.db import utcnow
from app.formatting import xml_safe

MARKING = "OFFICIAL-SENSITIVE"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LANGUAGE = "en-GB"
A4_WIDTH, A4_HEIGHT = Mm(210), Mm(297)
MARGIN = Mm(20)
LOGO_HEIGHT = Mm(18)
HANGING_INDENT = Cm(0.75)


@dataclass(frozen=True)
class Letterhead:
    """Who a document comes from: the authority's name and, if uploaded, its logo."""

    authority_name: str
    logo: bytes | None = None


def _set_language(document: Document) -> None:
    """Mark every style (and the defaults) as UK English, so Word checks British spelling."""
    styles = document.styles.element
    run_properties = [styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))]
    # get_or_add_rPr puts a new w:rPr where the schema wants it (before a table style's
    # w:tblPr): Word refuses a file whose elements are out of order.
    run_properties += [style.get_or_add_rPr() for style in styles.findall(qn("w:style"))
                       if style.get(qn("w:type")) in {"paragraph", "character", "table"}]
    for rpr in run_properties:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            # w:lang comes late in w:rPr: after everything the default styles hold.
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), LANGUAGE)
        lang.set(qn("w:eastAsia"), LANGUAGE)


def _a4(document: Document) -> None:
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = A4_WIDTH, A4_HEIGHT
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN


def _properties(document: Document, title: str, authority_name: str, reference: str) -> None:
    """Replace python-docx's defaults (author "python-docx", created 2013) with the document's."""
    now = utcnow().replace(microsecond=0)
    properties = document.core_properties
    properties.title = xml_safe(title)
    properties.author = properties.last_modified_by = xml_safe(authority_name)
    properties.subject = xml_safe(reference)
    properties.category = properties.content_status = MARKING
    properties.comments = properties.keywords = ""
    properties.language = LANGUAGE
    properties.created = properties.modified = now
    properties.last_printed = now
    properties.revision = 1


def _field(paragraph, instruction: str) -> None:
    """Add a Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when laid out.

    Each part of the field sits in a run of its own, as Word itself writes them.
    """
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None),
                       ("text", "1"), ("end", None)):
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        elif kind == "text":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)


def _header_and_footer(document: Document, letterhead: Letterhead, reference: str,
                       draft: bool) -> None:
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = f"DRAFT · {MARKING}" if draft else MARKING
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.runs[0].bold = draft
    footer = section.footer.paragraphs[0]
    footer.text = xml_safe(f"{MARKING} · {letterhead.authority_name} · {reference}")
    pages = section.footer.add_paragraph("Page ")
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _field(pages, "PAGE")
    pages.add_run(" of ")
    _field(pages, "NUMPAGES")


def _letterhead(document: Document, letterhead: Letterhead) -> None:
    if letterhead.logo:
        document.add_paragraph().add_run().add_picture(BytesIO(letterhead.logo), height=LOGO_HEIGHT)
    run = document.add_paragraph().add_run(xml_safe(letterhead.authority_name))
    run.bold = True
    run.font.size = Pt(14)
    run.font.color.rgb = RGBColor(0x0B, 0x0C, 0x0C)


def council_document(letterhead: Letterhead, reference: str, *, title: str,
                     draft: bool = False) -> Document:
    """Return a new A4 document in UK English with the marking, the authority's logo and name,
    the reference, page numbers and the document's own title and author."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    numbered = document.styles["List Number"].paragraph_format
    numbered.left_indent, numbered.first_line_indent = HANGING_INDENT, -HANGING_INDENT
    _set_language(document)
    _a4(document)
    _properties(document, title, letterhead.authority_name, reference)
    _header_and_footer(document, letterhead, reference, draft)
    _letterhead(document, letterhead)
    return document


# Text goes in through these, cleaned.


def paragraph(container, text: str = "", style: str | None = None):
    return container.add_paragraph(xml_safe(text), style)


def heading(document: Document, text: str, level: int):
    return document.add_heading(xml_safe(text), level=level)


def table(document: Document, header: Sequence[str] | None, rows: Iterable[Sequence[str]],
          widths: Sequence[float] | None = None):
    """Add a grid table; ``widths`` are the columns' shares of the text width (they add to 1)."""
    rows = list(rows)
    columns = len(header or rows[0])
    grid = document.add_table(rows=0, cols=columns)
    grid.style = "Table Grid"
    if header:
        for cell, text in zip(grid.add_row().cells, header, strict=True):
            cell.text = xml_safe(text)
            cell.paragraphs[0].runs[0].bold = True
        _repeat_as_header(grid.rows[0])
    for row in rows:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = xml_safe(text)
    if widths:
        _set_widths(document, grid, widths)
    document.add_paragraph()
    return grid


def _repeat_as_header(row) -> None:
    """Repeat the heading row on each page the table runs over."""
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _set_widths(document: Document, grid, shares: Sequence[float]) -> None:
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    grid.autofit = False
    widths = [int(text_width * share) for share in shares]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    for row in grid.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def docx_bytes(document: Document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()

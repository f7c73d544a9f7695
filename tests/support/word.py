"""Reading Word files the way a council officer's programs would: the page, the fields, the
properties and the text, header and footer included."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

PYTHON_DOCX_DEFAULT_CREATED_YEAR = 2013


def open_docx(data: bytes):
    return Document(BytesIO(data))


def all_text(document) -> str:
    """Every paragraph, table cell, header and footer line, one a line."""
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    section = document.sections[0]
    header = [p.text for p in section.header.paragraphs]
    footer = [p.text for p in section.footer.paragraphs]
    return "\n".join(header + [p.text for p in document.paragraphs] + cells + footer)


def field_codes(part) -> list[str]:
    """The field instructions (PAGE, NUMPAGES) in a header, footer or body part."""
    element = part._element
    complex_fields = [node.text.strip() for node in element.iter(qn("w:instrText"))]
    simple = [node.get(qn("w:instr")).strip() for node in element.iter(qn("w:fldSimple"))]
    return complex_fields + simple


def assert_council_document(data: bytes, *, title: str, author: str) -> object:
    """Check what every Word file of the service carries; return the opened document."""
    document = open_docx(data)
    for section in document.sections:
        assert abs(section.page_width - Mm(210)) < Mm(1), "A4 width"
        assert abs(section.page_height - Mm(297)) < Mm(1), "A4 height"
    properties = document.core_properties
    assert title in properties.title, properties.title
    assert properties.author == author and properties.last_modified_by == author
    assert properties.language == "en-GB"
    assert "python-docx" not in (properties.comments + properties.author + properties.keywords)
    assert properties.created.year != PYTHON_DOCX_DEFAULT_CREATED_YEAR
    languages = {lang.get(qn("w:val")) for lang in document.styles.element.iter(qn("w:lang"))}
    assert languages == {"en-GB"}, languages
    for style in document.styles.element.iter(qn("w:style")):
        # Word refuses a file whose style parts are out of the schema's order.
        tags = [child.tag for child in style]
        if qn("w:rPr") in tags and qn("w:tblPr") in tags:
            assert tags.index(qn("w:rPr")) < tags.index(qn("w:tblPr")), style.get(qn("w:styleId"))
    footer = document.sections[0].footer
    assert {"PAGE", "NUMPAGES"} <= set(field_codes(footer))
    assert "Page" in all_text(document) and " of " in footer.paragraphs[-1].text
    assert "OFFICIAL-SENSITIVE" in document.sections[0].header.paragraphs[0].text
    return document

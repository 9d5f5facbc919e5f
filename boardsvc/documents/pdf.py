"""Render a boardsvc.domain.minutes.Document to PDF with fpdf2.

Every page carries the hospital header (BOARDSVC_HOSPITAL_NAME / _ADDRESS, passed in the
document's ``Header``), the confidentiality marking and "Page n of N" in the document's language.
fpdf2's core fonts are Latin-1: Italian accents print as they are; anything outside Latin-1 is
replaced (dashes and quotes by their plain forms, the rest by "?"), never an error.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from boardsvc.domain.minutes import (
    Document,
    Fields,
    Heading,
    Paragraph,
    Space,
    Table,
    marking,
)

_REPLACEMENTS = {
    "—": "-", "–": "-", "‒": "-", "‐": "-", "‘": "'", "’": "'", "‚": "'",
    "“": '"', "”": '"', "„": '"', "…": "...", "•": "·", "€": "EUR", "→": "->",
    "←": "<-", "≥": ">=", "≤": "<=", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}
_FONT = "helvetica"
_TOTAL_ALIAS = "{nb}"


def latin1(text: str) -> str:
    """``text`` with every character the core fonts cannot print replaced."""
    for char, plain in _REPLACEMENTS.items():
        text = text.replace(char, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    def __init__(self, document: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages(_TOTAL_ALIAS)
        self.set_title(latin1(document.title))
        self.set_creator("boardsvc")
        self.set_lang(document.language)

    def header(self) -> None:
        head = self.document.header
        self.set_font(_FONT, "B", 10)
        self.cell(0, 5, latin1(head.hospital), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(_FONT, "", 8)
        line = " · ".join(x for x in (head.address, head.board) if x)
        if line:
            self.cell(0, 4, latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(_FONT, "B", 8)
        self.cell(0, 4, latin1(marking(self.document.language, "confidential")),
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y() + 1
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_y(y + 3)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(_FONT, "", 8)
        confidential = latin1(marking(self.document.language, "confidential"))
        page = marking(self.document.language, "page").format(
            n=self.page_no(), total=_TOTAL_ALIAS)
        self.cell(self.epw / 2, 5, confidential, align="L")
        self.cell(self.epw / 2, 5, latin1(page), align="R")


def _heading(pdf: _Pdf, block: Heading) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font(_FONT, "B", 11)
    pdf.multi_cell(0, 5.5, latin1(block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.5)


def _fields(pdf: _Pdf, block: Fields) -> None:
    label_width = 52
    for label, value in block.rows:
        if pdf.get_y() + 10 > pdf.page_break_trigger:
            pdf.add_page()
        pdf.set_font(_FONT, "B", 9)
        y = pdf.get_y()
        pdf.multi_cell(label_width, 4.6, latin1(label), new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_font(_FONT, "", 9)
        pdf.multi_cell(0, 4.6, latin1(value or "-"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), y + 4.6))
    pdf.ln(1)


def _paragraph(pdf: _Pdf, block: Paragraph) -> None:
    pdf.set_font(_FONT, "", 10)
    pdf.multi_cell(0, 5, latin1(block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _table(pdf: _Pdf, block: Table) -> None:
    pdf.set_font(_FONT, "", 8.5)
    widths = block.widths or tuple(1.0 for _ in block.headers)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.4,
                   first_row_as_headings=True, padding=1) as table:
        table.row([latin1(h) for h in block.headers])
        for values in block.rows:
            table.row([latin1(v) for v in values])
    pdf.ln(2)


def _space(pdf: _Pdf, block: Space) -> None:
    if pdf.get_y() + block.height_mm > pdf.h - 20:
        pdf.add_page()
    y = pdf.get_y()
    pdf.rect(pdf.l_margin, y, pdf.epw, block.height_mm)
    if block.label:
        pdf.set_font(_FONT, "I", 7.5)
        pdf.set_xy(pdf.l_margin + 1, y + 0.8)
        pdf.cell(0, 3.5, latin1(block.label))
    pdf.set_xy(pdf.l_margin, y + block.height_mm + 2)


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes (A4, header, confidentiality marking, page numbers)."""
    pdf = _Pdf(document)
    pdf.add_page()
    pdf.set_font(_FONT, "B", 15)
    pdf.multi_cell(0, 7, latin1(document.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if document.subtitle:
        pdf.set_font(_FONT, "", 10)
        pdf.multi_cell(0, 5, latin1(document.subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    for block in document.blocks:
        if isinstance(block, Heading):
            _heading(pdf, block)
        elif isinstance(block, Fields):
            _fields(pdf, block)
        elif isinstance(block, Paragraph):
            _paragraph(pdf, block)
        elif isinstance(block, Table):
            _table(pdf, block)
        else:
            _space(pdf, block)
    return bytes(pdf.output())

"""How a report's Word document falls on pages: tables that do not break, wide ones turned, blocks kept together.

Word and LibreOffice lay the pages out when the file is opened; what the kit can do is say
what must stay together. Here: a table row never splits across pages (``cantSplit``), its
header rows repeat, its columns are as wide as their longest word needs (measured from
the text, so that no word breaks inside a cell), a table too wide for a portrait page
gets a landscape section of its own, and a block (a heading, a caption, a picture, a
quote) keeps with the one after it. The footer follows the template: a funder's footer
text stays alone.
"""

from __future__ import annotations

import os
import warnings
from functools import cache

from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Cm, Emu, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font

from impact_kit.render.docx_parts import add_field, xml_text

__all__ = [
    "CELL_MARGIN",
    "NARROW_MARGIN",
    "column_widths",
    "footer_has_page_number",
    "footer_text",
    "keep_lead_with_picture",
    "keep_table_together",
    "landscape",
    "lay_out_table",
    "portrait",
    "set_table_font",
    "take_lead_in",
    "text_height",
    "text_points",
    "text_width",
    "write_footer",
]

#: A cell's left and right margin in twips (the Table Grid style's 0.19 cm), and a wide table's (0.1 cm).
CELL_MARGIN, NARROW_MARGIN = 108, 57
_AIR = 60  # twips a column keeps beyond its longest word: rounding, kerning
#: A table of at most this many rows moves whole to the next page rather than splitting.
_WHOLE = 12
_TWIP = 635  # EMU


def text_width(section: Section) -> int:
    """Return the width between a section's margins (EMU); A4's with 2 cm margins where the template says nothing."""
    page = section.page_width if section.page_width is not None else Cm(21)
    left = section.left_margin if section.left_margin is not None else Cm(2)
    right = section.right_margin if section.right_margin is not None else Cm(2)
    return int(page) - int(left) - int(right)


def text_height(section: Section) -> int:
    """Return the height between a section's top and bottom margins (EMU); A4's with 2 cm margins by default."""
    page = section.page_height if section.page_height is not None else Cm(29.7)
    top = section.top_margin if section.top_margin is not None else Cm(2)
    bottom = section.bottom_margin if section.bottom_margin is not None else Cm(2)
    return int(page) - int(top) - int(bottom)


def column_widths(
    rows: list[list[str]], available: int, *, size: float, bold_rows: int = 0, margin: int = CELL_MARGIN
) -> tuple[list[int], bool]:
    """Return each column's width (twips) for cells of text at ``size`` points, and whether every word fits.

    A column is at least as wide as its longest word and at most as wide as its longest
    text; the space left over the longest words goes to the columns whose texts are longer.
    Words are measured in DejaVu Sans, wider than Calibri and than the fonts LibreOffice
    puts in its place, so that a word fits whichever font draws it.

    Parameters
    ----------
    rows : list of list of str
        The cells' text, row by row.
    available : int
        The width the table may take, in twips.
    size : float
        The font size in points.
    bold_rows : int
        How many rows, from the top, are in bold (the header); the first column is too.
    margin : int
        A cell's left and right margin, in twips.
    """
    padding = 2 * margin + _AIR
    columns = max((len(r) for r in rows), default=0)
    least, most = [0.0] * columns, [0.0] * columns
    for number, row in enumerate(rows):
        for at, text in enumerate(row):
            bold = number < bold_rows or at == 0
            words = text.split()
            longest = max((text_points(w, size, bold=bold) for w in words), default=0.0)
            least[at] = max(least[at], longest * 20 + padding)
            most[at] = max(most[at], text_points(" ".join(words), size, bold=bold) * 20 + padding)
    if sum(least) > available:  # words will break: the caller turns the page first
        return [int(w * available / sum(least)) for w in least], False
    if sum(most) <= available:  # every text on one line: share the rest as the texts' lengths do
        return [int(w * available / sum(most)) for w in most], True
    spare, wanted = available - sum(least), sum(m - w for m, w in zip(most, least, strict=True))
    return [int(w + (m - w) * spare / wanted) for m, w in zip(most, least, strict=True)], True


def text_points(text: str, size: float, *, bold: bool = False) -> float:
    """Return the width in points of ``text`` set in DejaVu Sans (bold or not) at ``size`` points."""
    font = _font(bold)
    with warnings.catch_warnings():  # a character DejaVu lacks (CJK, a control character) measures as its box
        warnings.simplefilter("ignore", UserWarning)
        font.set_text(text, 0.0)
    width, _ = font.get_width_height()  # 64ths of a pixel at 72 dpi: of a point
    return width / 64 * size / _MEASURE_SIZE


_MEASURE_SIZE = 20.0


@cache
def _font(bold: bool) -> FT2Font:
    """Return a font of our own (matplotlib's are shared with its drawing), opened once per process."""
    font = FT2Font(findfont(FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")))
    font.set_size(_MEASURE_SIZE, 72)
    return font


# FreeType reads a font's file as it goes: a child forked by a batch must not share the parent's file offset.
os.register_at_fork(after_in_child=_font.cache_clear)


def lay_out_table(table: Table, widths: list[int], header_rows: int, *, margin: int | None = None) -> None:
    """Fix a table's column widths (twips), repeat its first ``header_rows`` rows and keep every row on one page.

    ``margin``: the cells' left and right margin in twips (the table style's by default).
    """
    properties = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout"):
        for old in properties.findall(qn(tag)):
            properties.remove(old)
    total = OxmlElement("w:tblW")
    total.set(qn("w:w"), str(sum(widths)))
    total.set(qn("w:type"), "dxa")
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    _insert_in_order(properties, total, _TBL_PR_ORDER)
    _insert_in_order(properties, layout, _TBL_PR_ORDER)
    if margin is not None:
        margins = OxmlElement("w:tblCellMar")
        for side in ("w:left", "w:right"):
            element = OxmlElement(side)
            element.set(qn("w:w"), str(margin))
            element.set(qn("w:type"), "dxa")
            margins.append(element)
        _insert_in_order(properties, margins, _TBL_PR_ORDER)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=False):
        column.set(qn("w:w"), str(width))
    for index, row in enumerate(table.rows):
        row_properties = row._tr.get_or_add_trPr()
        _insert_in_order(row_properties, _flag("w:cantSplit"), _TR_PR_ORDER)
        if index < header_rows:
            _insert_in_order(row_properties, _flag("w:tblHeader"), _TR_PR_ORDER)
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Emu(width * _TWIP)


def keep_table_together(table: Table) -> None:
    """Keep a short table on one page: each row's paragraphs keep with the next row (Word's way to say it)."""
    if len(table.rows) > _WHOLE:
        return  # a long table splits between rows, its header repeated
    for row in list(table.rows)[:-1]:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def landscape(document: Document) -> Section:
    """Start a new page in a landscape section (same margins, header and footer) and return it."""
    return _new_section(document, WD_ORIENT.LANDSCAPE)


def portrait(document: Document) -> Section:
    """Start a new page in a portrait section (after a landscape one) and return it."""
    return _new_section(document, WD_ORIENT.PORTRAIT)


def _new_section(document: Document, orientation: WD_ORIENT) -> Section:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    if section.orientation != orientation:  # the page turns: its width and height swap
        width, height = section.page_width, section.page_height
        section.orientation = orientation
        section.page_width, section.page_height = height, width
    return section


def keep_lead_with_picture(document: Document) -> None:
    """Keep the short paragraph before a picture about to be added with it (a section's introduction to its chart).

    Not a caption (the previous chart's, or its link to the appendix): charts in a row would
    then make one block too tall for a page.
    """
    body = document.element.body
    last = body[-2] if len(body) > 1 else None
    if last is None or last.tag != qn("w:p") or last.find(f".//{qn('w:drawing')}") is not None:
        return
    paragraph = Paragraph(last, document._body)
    style = paragraph.style.name if paragraph.style is not None else ""
    if len(paragraph.text) < 400 and style != "Caption":
        paragraph.paragraph_format.keep_with_next = True


def take_lead_in(document: Document) -> list[BaseOxmlElement]:
    """Take out and return the heading and the few paragraphs and tables just before a table (none if no heading leads).

    They go back after the landscape section starts, so that a wide table's heading turns with it, and
    a short table its section opens with (the portfolio's response by year), as in the PDF.
    """
    body = document.element.body
    taken: list[BaseOxmlElement] = []
    for element in reversed(body[:-1]):
        paragraph = element.tag == qn("w:p")
        if (
            not (paragraph or element.tag == qn("w:tbl"))
            or len(taken) > 5
            or element.find(f".//{qn('w:drawing')}") is not None
        ):
            return []
        taken.insert(0, element)
        style = Paragraph(element, document._body).style if paragraph else None
        if style is not None and str(style.name).startswith("Heading"):
            for moved in taken:
                body.remove(moved)
            return taken
    return []


def footer_text(section: Section) -> str:
    """Return the text of a section's footer (empty when it has none)."""
    if not section.footer._has_definition:
        return ""
    return " ".join(" ".join(p.text for p in section.footer.paragraphs).split())


def footer_has_page_number(section: Section) -> bool:
    """Return whether a section's footer shows the page number (a ``PAGE`` field)."""
    if not section.footer._has_definition:
        return False
    element = section.footer._definition.element
    instructions = [t.text or "" for t in element.iter(qn("w:instrText"))]
    instructions += [f.get(qn("w:instr"), "") for f in element.iter(qn("w:fldSimple"))]
    return any(i.split()[:1] == ["PAGE"] for i in instructions)


def write_footer(document: Document, line: str) -> None:
    """Give the document its footer: the template's, with at most a page number added, or the kit's own.

    A footer with text (a funder's "document confidentiel") stays alone; the page number is
    added, right-aligned, only where it has none. A document without a footer gets the
    kit's: ``line`` ("title · year") and the page number at the right margin, in every
    section (each its own, so that the number sits at the margin of a landscape page too).
    """
    first = document.sections[0]
    if footer_text(first) or footer_has_page_number(first):
        if not footer_has_page_number(first):
            paragraph = first.footer.add_paragraph(style=_footer_style(document))
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            add_field(paragraph, "PAGE", "1")
        return
    for section in document.sections:
        section.footer.is_linked_to_previous = False
        footer = section.footer
        paragraphs = footer.paragraphs
        paragraph = paragraphs[-1] if paragraphs and not paragraphs[-1].text.strip() else footer.add_paragraph()
        paragraph.style = _footer_style(document)
        paragraph.add_run(xml_text(line))
        width = text_width(section)
        stops = paragraph.paragraph_format.tab_stops
        style = paragraph.style
        inherited = style.paragraph_format.tab_stops if isinstance(style, ParagraphStyle) else []
        for stop in inherited:  # the style's centre stop would catch the page number halfway
            if stop.position < width:
                stops.add_tab_stop(stop.position, WD_TAB_ALIGNMENT.CLEAR)
        stops.add_tab_stop(Emu(width), WD_TAB_ALIGNMENT.RIGHT)
        paragraph.add_run("\t")
        add_field(paragraph, "PAGE", "1")


def _footer_style(document: Document) -> ParagraphStyle | None:
    names = {style.name for style in document.styles}
    style = document.styles["Footer"] if "Footer" in names else None
    return style if isinstance(style, ParagraphStyle) else None


def set_table_font(table: Table, size: float) -> None:
    """Write every run of a table at ``size`` points (a wide table's text, smaller than the body's)."""
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)


def _flag(tag: str) -> BaseOxmlElement:
    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    return element


# The order the schema gives the children of a row's and a table's properties (Word refuses others).
_TR_PR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter", "w:cantSplit", "w:trHeight",
    "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
)  # fmt: skip
_TBL_PR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize", "w:tblStyleColBandSize",
    "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
    "w:tblLook",
)  # fmt: skip


def _insert_in_order(parent: BaseOxmlElement, element: BaseOxmlElement, order: tuple[str, ...]) -> None:
    """Put ``element`` among ``parent``'s children where the schema wants it, replacing one of its kind."""
    tags = [qn(t) for t in order]
    for old in parent.findall(element.tag):
        parent.remove(old)
    rank = tags.index(element.tag)
    for at, child in enumerate(parent):
        if child.tag in tags and tags.index(child.tag) > rank:
            parent.insert(at, element)
            return
    parent.append(element)

"""Word output: a report's exported HTML page as a ``.docx`` a funder can edit, in the kit's styles or their own.

:func:`docx_bytes` walks the page the reader gets (the same sections, already escaped)
with the standard library's HTML parser and writes it with python-docx: headings as
Word headings (Word's navigation pane and table of contents work), a table of contents
field, paragraphs, lists in list styles, data tables as Word tables with a header row,
testimonies in the Quote style, complete (the page's fold is for screens), with their
caption, each chart as a picture whose description is its alt text, with its numbered
caption; its data table in an appendix (``data="appendix"``, the default), under it
(``"inline"``) or left out (``"none"``); a footer with the title and the page number
unless the template has its own; the report's language on the styles. How it falls on
pages (rows that do not split, wide tables on landscape pages, blocks kept with the
next) is :mod:`impact_kit.render.docx_layout`'s. The styles, page size, margins and
header come from a template: the kit's own (:data:`DEFAULT_TEMPLATE`, A4) or a funder's
``.docx``.

Text stays text: nothing read from the page becomes a field, a hyperlink or a reference
to an outside file; an image that is not inline is replaced by its alt text.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
from docx.document import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from impact_kit.render.docx_clean import check_template, clean_template
from impact_kit.render.docx_layout import (
    NARROW_MARGIN,
    column_widths,
    keep_lead_with_picture,
    keep_table_together,
    landscape,
    lay_out_table,
    portrait,
    set_table_font,
    take_lead_in,
    text_height,
    text_width,
    write_footer,
)
from impact_kit.render.docx_parts import (
    add_bookmark,
    add_internal_link,
    add_toc,
    align_figures,
    chart_png,
    copy_missing_styles,
    set_language,
    xml_text,
)
from impact_kit.render.html_tree import Node, parse_page
from impact_kit.render.typography import typeset
from impact_kit.words import fill_text, texts

__all__ = ["DATA_PLACES", "DEFAULT_TEMPLATE", "STYLES", "check_template", "docx_bytes"]

#: The template the kit ships: A4, its headings and colours, the report's styles.
DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "docx" / "reference.docx"
#: The styles a report uses; those a funder's template lacks are copied from the kit's.
STYLES = (
    "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "List Bullet 2", "List Number",
    "List Number 2", "Quote", "Caption", "Table Grid", "TOC Heading", "TOC 1", "TOC 2", "Footer",
)  # fmt: skip

#: Where a chart's figures go in the Word document (``--docx-data``): an appendix, under the chart, nowhere.
DATA_PLACES = ("appendix", "inline", "none")
#: The most of a page's text height a picture takes: with its caption, a chart that moves to the next page
#: leaves the page before it at least half full.
PICTURE_HEIGHT = 0.45
#: Font sizes (points) tried, largest first, for a table too wide for a portrait page, on its landscape page.
WIDE_TABLE_SIZES = (8.0, 7.5, 7.0, 6.5)

_SKIPPED = {"head", "script", "style", "template", "noscript", "button", "input", "select", "textarea"}
_HEADINGS = {
    "h1": "Title",
    "h2": "Heading 1",
    "h3": "Heading 2",
    "h4": "Heading 3",
    "h5": "Heading 3",
    "h6": "Heading 3",
}


def _spaces(text: str) -> str:
    return re.sub(r"[ \t\r\n\f]+", " ", text)


class _Writer:
    """Writes a page's nodes into a document, block by block."""

    def __init__(self, document: Document, lang: str, svgs: list[str], data: str = "appendix") -> None:
        self.doc = document
        self.lang = lang
        self.svgs = svgs
        self.data = data
        self.headings: list[tuple[int, str]] = []
        self.toc_at: Paragraph | None = None
        self.text_width = text_width(document.sections[-1])
        size = document.styles["Normal"].font.size if "Normal" in {s.name for s in document.styles} else None
        self.size = size.pt if size is not None else 11.0
        #: The charts' tables for the appendix: (bookmark, caption, table).
        self.appendix: list[tuple[str, str, Node]] = []

    # Blocks -------------------------------------------------------------------------------------------------
    def block(self, node: Node, list_level: int = 0) -> None:
        tag, classes = node.tag, node.classes
        if tag in _SKIPPED or "hidden" in node.attrs or "ik-chart-narrow" in classes or "ik-csv" in classes:
            return
        if tag == "nav" and "ik-toc" in classes:
            self.toc_at = self.doc.add_paragraph()  # the table of contents goes here once every heading is known
        elif tag in _HEADINGS:
            text = " ".join(self._heading_text(node).split())
            if text:
                heading = self.doc.add_paragraph(xml_text(text), style=_HEADINGS[tag])
                heading.paragraph_format.keep_with_next = True  # never alone at a page's foot
                if tag in ("h2", "h3"):
                    self.headings.append((int(tag[1]) - 1, text))
        elif tag == "p" and "ik-note" not in classes:
            style = "Subtitle" if "ik-subtitle" in classes else None
            if node.find_all("a") and all("ik-csv" in a.classes for a in node.find_all("a")):
                return  # the chart's CSV link: its figures are the table beside it
            if node.find_all("img") or node.find_all("svg"):
                self.container(node)  # a picture (a Markdown image) is a block of its own
            else:
                self.paragraph(node, style=style)
        elif tag in ("ul", "ol"):
            for item in node.children:
                if isinstance(item, Node) and item.tag == "li":
                    self.list_item(item, numbered=tag == "ol", level=list_level)
        elif tag == "table":
            self.table(node)
        elif tag == "figure" and "ik-testimony" in classes:
            self.testimony(node)
        elif tag == "figure" and "ik-chart" in classes:
            self.chart(node)
        elif tag in ("blockquote", "pre"):
            self.paragraph(node, style="Quote", verbatim=tag == "pre")
        elif tag == "figcaption":
            self.paragraph(node, style="Caption")
        elif tag == "p" and "ik-note" in classes:
            self.paragraph(node).paragraph_format.keep_with_next = True  # a testimony's note, before its caption
        elif tag == "img":
            self.picture(node.attrs.get("src", ""), node.attrs.get("alt", ""))
        elif tag == "svg":
            self.picture(self.svgs[int(node.attrs["data-ik-svg"])], node.attrs.get("aria-label", ""))
        elif tag == "summary":
            return  # a fold's handle ("Lire la suite", "Données de la figure 1"): Word shows everything
        else:  # containers (main, section, div, header, details, figure, footer...) and stray inline content
            self.container(node, list_level)

    def container(self, node: Node, list_level: int = 0) -> None:
        loose: list[Node | str] = []
        for child in [*node.children, Node("ik-end")]:
            if isinstance(child, str) or child.tag in _INLINE:
                loose.append(child)
                continue
            if any(isinstance(c, Node) or c.strip() for c in loose):
                self.paragraph(Node("span", children=loose))
            loose = []
            if child.tag != "ik-end":
                self.block(child, list_level)

    def paragraph(self, node: Node, *, style: str | None = None, verbatim: bool = False) -> Paragraph:
        paragraph = self.doc.add_paragraph(style=style)
        self.inline(paragraph, node, verbatim=verbatim)
        _trim(paragraph)
        return paragraph

    def list_item(self, item: Node, *, numbered: bool, level: int) -> None:
        style = ("List Number" if numbered else "List Bullet") + (" 2" if level else "")
        paragraph = self.doc.add_paragraph(style=style)
        for child in item.children:
            if isinstance(child, Node) and child.tag in ("ul", "ol"):
                self.block(child, level + 1)
            elif isinstance(child, Node) and child.tag not in _INLINE:
                self.block(child, level)
            else:
                self._inline_child(paragraph, child, verbatim=False, bold=False, italic=False)
        _trim(paragraph)

    def testimony(self, node: Node) -> None:
        quote = next((c for c in node.find_all("blockquote")), None)
        if quote is not None:
            spans = [s for s in quote.find_all("span") if "ik-verbatim" in s.classes]
            words = "".join(s.text() for s in spans) if spans else quote.text()
            paragraph = self.doc.add_paragraph(style="Quote")
            _verbatim_runs(paragraph, words)
            paragraph.paragraph_format.keep_with_next = True  # with its attribution below
        for child in node.children:
            if isinstance(child, Node) and child.tag != "blockquote":
                self.block(child)

    def chart(self, node: Node) -> None:
        """Write a chart: its picture, its caption, and its figures where :attr:`data` says."""
        caption = next((c for c in node.children if isinstance(c, Node) and c.tag == "figcaption"), None)
        title = " ".join(caption.text().split()).rstrip(".") if caption is not None else ""
        words = {key: typeset(texts(self.lang)[key], self.lang) for key in ("docx_data_caption", "docx_data_link")}
        data_caption = fill_text(words["docx_data_caption"], {"caption": title}, self.lang)
        for child in node.children:
            if not isinstance(child, Node):
                continue
            if "ik-data" not in child.classes:
                self.block(child)
                continue
            tables = child.find_all("table")
            if self.data == "none" or not tables:
                continue
            if caption is not None:
                self.doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the caption, with what follows
            if self.data == "inline":
                for table in tables:
                    self.table(table, caption=data_caption)
                continue
            mark = f"ik_data_{len(self.appendix) + 1}"
            summary = next((" ".join(s.text().split()) for s in child.find_all("summary")), title)
            link = self.doc.add_paragraph(style="Caption")
            add_internal_link(link, fill_text(words["docx_data_link"], {"data": summary}, self.lang), mark)
            self.appendix.extend((mark, data_caption, table) for table in tables)

    def write_appendix(self) -> None:
        """Write the charts' tables after the report, under "Données des figures", each linked from its chart."""
        if not self.appendix:
            return
        title = typeset(texts(self.lang)["docx_data_appendix"], self.lang)
        heading = self.doc.add_paragraph(style="Heading 1")
        heading.paragraph_format.page_break_before = True
        heading.paragraph_format.keep_with_next = True
        heading.add_run(xml_text(title))
        self.headings.append((1, title))
        for mark, caption, table in self.appendix:
            self.table(table, caption=caption, bookmark=mark)

    def picture(self, source: str, alt: str) -> None:
        alt = " ".join(alt.split())
        if not (
            source.startswith("<svg") or source.startswith(("data:image/svg+xml;base64,", "data:image/png;base64,"))
        ):
            # Never a reference to an image elsewhere: the reader gets its description.
            if alt:
                self.doc.add_paragraph(xml_text(alt), style="Caption")
            return
        png, width_pt = chart_png(source)
        width = min(int(Pt(width_pt)), self.text_width)
        pixels = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the PNG's IHDR
        tallest = int(text_height(self.doc.sections[-1]) * PICTURE_HEIGHT)  # so that no page is left half empty
        if pixels[0] and width * pixels[1] / pixels[0] > tallest:
            width = int(tallest * pixels[0] / pixels[1])
        keep_lead_with_picture(self.doc)
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.keep_with_next = True  # with its caption below
        shape = paragraph.add_run().add_picture(io.BytesIO(png), width=width)
        properties = shape._inline.docPr
        properties.set("descr", xml_text(alt))
        properties.set("title", "")

    def table(self, node: Node, *, caption: str | None = None, bookmark: str | None = None) -> None:
        """Write a table: its caption (``caption`` instead of its own), then rows that never split.

        Its columns are as wide as their words need; a table that does not fit between a
        portrait page's margins gets a landscape page (a section) of its own.
        """
        rows = [[c for c in r.children if isinstance(c, Node) and c.tag in ("th", "td")] for r in node.find_all("tr")]
        rows = [r for r in rows if r]
        if not rows:
            return
        words = [[" ".join(c.text().split()) for c in row] for row in rows]
        head = {id(r) for part in node.find_all("thead") for r in part.find_all("tr")}
        header_rows = next((i for i, r in enumerate(node.find_all("tr")) if id(r) not in head), len(rows))
        widths, fits = column_widths(words, self.text_width // _TWIP, size=self.size, bold_rows=header_rows)
        size = None
        if not fits:
            lead = take_lead_in(self.doc)
            landscape(self.doc)
            for element in lead:  # the table's heading and introduction turn with it
                self.doc.element.body.sectPr.addprevious(element)
            available = text_width(self.doc.sections[-1]) // _TWIP
            for size in WIDE_TABLE_SIZES:  # the largest that fits (a funder's wide margins leave less room)
                widths, fits = column_widths(words, available, size=size, bold_rows=header_rows, margin=NARROW_MARGIN)
                if fits:
                    break
        own = next((c for c in node.children if isinstance(c, Node) and c.tag == "caption"), None)
        if caption is not None or own is not None:
            paragraph = self.doc.add_paragraph(style="Caption")
            if caption is not None:
                paragraph.add_run(xml_text(caption))
            elif own is not None:
                self.inline(paragraph, own)
                _trim(paragraph)
            paragraph.paragraph_format.keep_with_next = True  # a caption stays with its table
            if bookmark:
                add_bookmark(paragraph, bookmark, int(bookmark.rsplit("_", 1)[1]))
        table: Table = self.doc.add_table(rows=0, cols=max(len(r) for r in rows))
        table.style = self.doc.styles["Table Grid"]
        for cells in rows:
            word_row = table.add_row()
            for cell, word_cell in zip(cells, word_row.cells, strict=False):
                paragraph = word_cell.paragraphs[0]
                self.inline(paragraph, cell, bold=cell.tag == "th")
                _trim(paragraph)
                align_figures(paragraph, cell)
        lay_out_table(table, widths, header_rows, margin=NARROW_MARGIN if size is not None else None)
        keep_table_together(table)
        if size is not None:
            set_table_font(table, size)
            portrait(self.doc)  # its paragraph ends the landscape section, below the table
        else:
            self.doc.add_paragraph()

    def _heading_text(self, node: Node) -> str:
        """Return a heading's words, without the pilcrow link nbconvert adds to a Markdown heading."""
        return "".join(
            c if isinstance(c, str) else self._heading_text(c)
            for c in node.children
            if isinstance(c, str) or "anchor-link" not in c.classes
        )

    # Inline content -----------------------------------------------------------------------------------------
    def inline(self, paragraph: Paragraph, node: Node, *, verbatim: bool = False, bold: bool = False) -> None:
        for child in node.children:
            self._inline_child(paragraph, child, verbatim=verbatim, bold=bold, italic=False)

    def _inline_child(
        self, paragraph: Paragraph, child: Node | str, *, verbatim: bool, bold: bool, italic: bool
    ) -> None:
        if isinstance(child, str):
            if verbatim:
                _verbatim_runs(paragraph, child, bold=bold, italic=italic)
            elif child:
                run = paragraph.add_run(xml_text(_spaces(child)))
                run.bold, run.italic = bold or None, italic or None
            return
        tag, classes = child.tag, child.classes
        if tag in _SKIPPED or "anchor-link" in classes or "hidden" in child.attrs or "ik-ellipsis" in classes:
            return
        if tag == "br":
            paragraph.add_run().add_break()
            return
        verbatim = verbatim or "ik-verbatim" in classes or tag in ("pre", "code")
        bold = bold or tag in ("strong", "b", "th")
        italic = italic or tag in ("em", "i", "cite")
        for grandchild in child.children:  # a link's text only: never a hyperlink
            self._inline_child(paragraph, grandchild, verbatim=verbatim, bold=bold, italic=italic)


_INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q", "s", "samp",
    "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
}  # fmt: skip


def _verbatim_runs(paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
    """Append text as written: each line break a Word line break, each tab a tab (python-docx maps both)."""
    run = paragraph.add_run(xml_text(text.replace("\r\n", "\n").replace("\r", "\n")))
    run.bold, run.italic = bold or None, italic or None


def _trim(paragraph: Paragraph) -> None:
    """Drop the spaces an HTML layout leaves at a paragraph's ends (HTML collapses them too)."""
    runs = [r for r in paragraph.runs if r.text]
    if runs and "\n" not in runs[0].text[:1]:
        runs[0].text = runs[0].text.lstrip(" ")
    if runs:
        runs[-1].text = runs[-1].text.rstrip(" ")


_TWIP = 635  # EMU


def _document(template: Path | None) -> Document:
    """Open the template and empty its body, keeping its styles, page settings, header and footer."""
    document = docx.Document(str(template or DEFAULT_TEMPLATE))
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    if template is not None:
        clean_template(document)
        copy_missing_styles(document, docx.Document(str(DEFAULT_TEMPLATE)), STYLES)
    return document


def docx_bytes(
    page: str, *, lang: str, title: str, footer: str, template: Path | None = None, data: str = "appendix"
) -> bytes:
    """Return a report's HTML page as a Word document.

    Parameters
    ----------
    page : str
        The exported HTML report (:func:`impact_kit.export.export_html`).
    lang : str
        The report's language: Word's spell check language for its text, and the
        table of contents' title.
    title : str
        The document's title (its properties).
    footer : str
        The footer's text ("title · year"); the page number follows it.
    template : Path, optional
        A funder's ``.docx`` whose styles, page size, margins, header and footer the
        document takes; :data:`DEFAULT_TEMPLATE` by default. A footer with text stays
        alone (a page number is added where it has none); the kit writes ``footer`` only
        into a template without one.
    data : str
        Where each chart's figures go (:data:`DATA_PLACES`): ``"appendix"`` ("Données des
        figures", each chart linking to its table), ``"inline"`` (under the chart) or
        ``"none"``.

    Returns
    -------
    bytes
        The ``.docx`` file.
    """
    document = _document(template)
    root, svgs = parse_page(page)
    main = next(iter(root.find_all("main")), root)
    if data not in DATA_PLACES:
        raise ValueError(f"The value for `data` must be one of {list(DATA_PLACES)}, but {data!r} was passed.")
    writer = _Writer(document, lang, svgs, data)
    writer.container(main)
    for extra in root.find_all("footer"):
        if extra not in main.find_all("footer"):
            writer.container(extra)
    writer.write_appendix()
    if writer.toc_at is not None:
        place, body = writer.toc_at._p, document.element.body
        kept = list(body)  # holding the elements keeps their proxies, so their ids stay theirs
        before = set(map(id, kept))
        add_toc(document, texts(lang)["contents"], writer.headings)
        for element in [e for e in body if id(e) not in before and e.tag != qn("w:sectPr")]:
            place.addprevious(element)  # where the page had its table of contents
        body.remove(place)
    write_footer(document, footer)
    set_language(document, lang)
    title = xml_text(title)  # a document property holds 255 characters at most (a long site name: cut)
    document.core_properties.title = title if len(title) <= 255 else title[:254] + "…"
    document.core_properties.author = "impact_kit"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

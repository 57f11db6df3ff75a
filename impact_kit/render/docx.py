"""Word output: a report's exported HTML page as a ``.docx`` a funder can edit, in the kit's styles or their own.

:func:`docx_bytes` walks the page the reader gets (the same sections, already escaped)
with the standard library's HTML parser and writes it with python-docx: headings as
Word headings (Word's navigation pane and table of contents work), a table of contents
field, paragraphs, lists in list styles, data tables as Word tables with a header row,
testimonies in the Quote style, complete (the page's fold is for screens), with their
caption, each chart as a picture whose description is its alt text, with its numbered
caption and its data table; a footer with the title and the page number; the report's
language on the styles. The styles, page size, margins and header come from a template:
the kit's own (:data:`DEFAULT_TEMPLATE`, A4) or a funder's ``.docx``.

Text stays text: nothing read from the page becomes a field, a hyperlink or a reference
to an outside file; an image that is not inline is replaced by its alt text.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.section import Section
from docx.shared import Cm, Emu, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from impact_kit.exceptions import InvalidArgument
from impact_kit.render.docx_clean import TemplateContentWarning, clean_template
from impact_kit.render.docx_parts import add_field, add_toc, chart_png, copy_missing_styles, set_language, xml_text
from impact_kit.render.html_tree import Node, parse_page
from impact_kit.words import texts

__all__ = ["DEFAULT_TEMPLATE", "STYLES", "check_template", "docx_bytes"]

#: The template the kit ships: A4, its headings and colours, the report's styles.
DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "docx" / "reference.docx"
#: The styles a report uses; those a funder's template lacks are copied from the kit's.
STYLES = (
    "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "List Bullet 2", "List Number",
    "List Number 2", "Quote", "Caption", "Table Grid", "TOC Heading", "TOC 1", "TOC 2", "Footer",
)  # fmt: skip

#: What python-docx raises for a file that is not a .docx, or a damaged one: a truncated XML part (lxml's
#: XMLSyntaxError is a SyntaxError), bad compression.
_DAMAGED = (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, SyntaxError, zlib.error, EOFError)
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

    def __init__(self, document: Document, lang: str, svgs: list[str]) -> None:
        self.doc = document
        self.lang = lang
        self.svgs = svgs
        self.headings: list[tuple[int, str]] = []
        self.toc_at: Paragraph | None = None
        self.text_width = _text_width(document.sections[-1])

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
                self.doc.add_paragraph(xml_text(text), style=_HEADINGS[tag])
                if tag in ("h2", "h3"):
                    self.headings.append((int(tag[1]) - 1, text))
        elif tag == "p":
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
        for child in node.children:
            if isinstance(child, Node) and child.tag != "blockquote":
                self.block(child)

    def chart(self, node: Node) -> None:
        for child in node.children:
            if isinstance(child, Node):
                self.block(child)

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
        run = self.doc.add_paragraph().add_run()
        shape = run.add_picture(io.BytesIO(png), width=width)
        properties = shape._inline.docPr
        properties.set("descr", xml_text(alt))
        properties.set("title", "")

    def table(self, node: Node) -> None:
        caption = next((c for c in node.children if isinstance(c, Node) and c.tag == "caption"), None)
        if caption is not None:
            self.paragraph(caption, style="Caption")
        rows = [r for r in node.find_all("tr")]
        if not rows:
            return
        header = {id(r) for part in node.find_all("thead") for r in part.find_all("tr")}
        width = max(len([c for c in r.children if isinstance(c, Node) and c.tag in ("th", "td")]) for r in rows)
        table: Table = self.doc.add_table(rows=0, cols=width)
        table.style = self.doc.styles["Table Grid"]
        for row in rows:
            cells = [c for c in row.children if isinstance(c, Node) and c.tag in ("th", "td")]
            word_row = table.add_row()
            if id(row) in header:
                _repeat_header(word_row._tr)
            for cell, word_cell in zip(cells, word_row.cells, strict=False):
                paragraph = word_cell.paragraphs[0]
                self.inline(paragraph, cell, bold=cell.tag == "th")
                _trim(paragraph)
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


def _text_width(section: Section) -> int:
    """Return the width between a section's margins (EMU); A4's with 2 cm margins where the template says nothing."""
    page = section.page_width if section.page_width is not None else Cm(21)
    left = section.left_margin if section.left_margin is not None else Cm(2)
    right = section.right_margin if section.right_margin is not None else Cm(2)
    return int(page) - int(left) - int(right)


def _repeat_header(row: CT_Row) -> None:
    properties = row.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _footer(document: Document, footer: str) -> None:
    """Write "title · year" and the page number in every section's footer, after what the template has there."""
    for section in document.sections:
        paragraphs = section.footer.paragraphs
        paragraph = paragraphs[-1] if paragraphs and not paragraphs[-1].text.strip() else section.footer.add_paragraph()
        paragraph.style = document.styles["Footer"]
        paragraph.add_run(xml_text(footer))
        width = _text_width(section)
        stops = paragraph.paragraph_format.tab_stops
        style = paragraph.style
        inherited = style.paragraph_format.tab_stops if isinstance(style, ParagraphStyle) else []
        for stop in inherited:  # the style's centre stop would catch the page number halfway
            if stop.position < width:
                stops.add_tab_stop(stop.position, WD_TAB_ALIGNMENT.CLEAR)
        stops.add_tab_stop(Emu(width), WD_TAB_ALIGNMENT.RIGHT)
        paragraph.add_run("\t")
        add_field(paragraph, "PAGE", "1")


def check_template(path: str | Path) -> Path:
    """Return a Word template's path once python-docx can open it.

    Warns once (:class:`TemplateContentWarning`) naming what its reports will not carry: what
    :func:`impact_kit.render.docx_clean.clean_template` drops (fields, macros, outside links).

    Raises
    ------
    InvalidArgument
        If it is missing, not a ``.docx`` or damaged (nothing is written).
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidArgument(
            f"--docx-template {path}: there is no such file. Give a .docx made with Word or LibreOffice."
        )
    try:
        document = docx.Document(str(path))
    except _DAMAGED as exc:
        raise InvalidArgument(
            f"--docx-template {path}: this is not a Word document (.docx) python-docx can open "
            f"({type(exc).__name__}: {exc}). Save the template from Word or LibreOffice as .docx (not .doc or .dotx) "
            "and try again."
        ) from None
    dropped = clean_template(document)
    if dropped:  # said once per command; each report's document is cleaned again, in silence
        warnings.warn(
            f"--docx-template {path}: left out of every report.docx: {'; '.join(dropped)}. A report takes only a "
            "template's styles, numbering, theme, fonts, page settings, header and footer text and inline images.",
            TemplateContentWarning,
            stacklevel=2,
        )
    return path


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


def docx_bytes(page: str, *, lang: str, title: str, footer: str, template: Path | None = None) -> bytes:
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
        document takes; :data:`DEFAULT_TEMPLATE` by default.

    Returns
    -------
    bytes
        The ``.docx`` file.
    """
    document = _document(template)
    root, svgs = parse_page(page)
    main = next(iter(root.find_all("main")), root)
    writer = _Writer(document, lang, svgs)
    writer.container(main)
    for extra in root.find_all("footer"):
        if extra not in main.find_all("footer"):
            writer.container(extra)
    if writer.toc_at is not None:
        place, body = writer.toc_at._p, document.element.body
        kept = list(body)  # holding the elements keeps their proxies, so their ids stay theirs
        before = set(map(id, kept))
        add_toc(document, texts(lang)["contents"], writer.headings)
        for element in [e for e in body if id(e) not in before and e.tag != qn("w:sectPr")]:
            place.addprevious(element)  # where the page had its table of contents
        body.remove(place)
    _footer(document, footer)
    set_language(document, lang)
    title = xml_text(title)  # a document property holds 255 characters at most (a long site name: cut)
    document.core_properties.title = title if len(title) <= 255 else title[:254] + "…"
    document.core_properties.author = "impact_kit"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

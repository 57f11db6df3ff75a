"""The pieces of a Word document that python-docx has no call for: fields, language, styles, chart pictures.

Every field here (the table of contents, the page number) is built by the kit from fixed
instructions; no text of a report ever becomes a field instruction, a hyperlink or an
external reference. A chart's SVG becomes a PNG with resvg (a self-contained wheel, no
system library), in the DejaVu Sans that matplotlib drew it with.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import matplotlib
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph

from impact_kit.render.html_tree import Node

__all__ = [
    "LANGUAGE_TAGS",
    "add_bookmark",
    "add_field",
    "add_internal_link",
    "add_toc",
    "align_figures",
    "chart_png",
    "copy_missing_styles",
    "set_language",
    "xml_text",
]

#: The language tag Word's spell check gets, by report language.
LANGUAGE_TAGS = {"fr": "fr-FR", "en": "en-GB"}
#: Zoom of a chart's PNG over its drawn size: sharp when printed, a few tens of kB.
PNG_ZOOM = 2.0

# Characters XML 1.0 cannot hold (C0 controls but tab, newline, return; lone surrogates; U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Return text that XML can hold: each character it cannot (a control character) becomes U+FFFD.

    A testimony is verbatim, but a Word file cannot carry a form feed; the replacement
    character shows where one was, rather than dropping it in silence.
    """
    return _NOT_XML.sub("\ufffd", text)


def _run(paragraph: Paragraph) -> BaseOxmlElement:
    run = OxmlElement("w:r")
    paragraph._p.append(run)
    return run


def _fld_char(paragraph: Paragraph, kind: str, *, dirty: bool = False) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    if dirty:  # Word recomputes it on opening (the table of contents' page numbers)
        char.set(qn("w:dirty"), "true")
    _run(paragraph).append(char)


def _instruction(paragraph: Paragraph, instruction: str) -> None:
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    _run(paragraph).append(text)


def add_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """Append a field to a paragraph (``PAGE``, ``NUMPAGES``): a fixed instruction, ``shown`` until Word updates it."""
    _fld_char(paragraph, "begin")
    _instruction(paragraph, instruction)
    _fld_char(paragraph, "separate")
    paragraph.add_run(shown)
    _fld_char(paragraph, "end")


def add_toc(document: Document, title: str, entries: Iterable[tuple[int, str]]) -> None:
    """Append a table of contents: its title, then a TOC field whose result already lists ``entries``.

    The listed headings (level 1 or 2, text) read right in any viewer; Word fills in the
    page numbers when it updates the field (``updateFields`` asks it to on opening).
    """
    document.add_paragraph(xml_text(title), style="TOC Heading")
    entries = list(entries) or [(1, "")]
    paragraphs = [document.add_paragraph(xml_text(text), style=f"TOC {level}") for level, text in entries]
    first, last = paragraphs[0], paragraphs[-1]
    begin = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "begin")
    char.set(qn("w:dirty"), "true")
    begin.append(char)
    instruction = OxmlElement("w:r")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = ' TOC \\o "1-2" \\h \\z \\u '
    instruction.append(text)
    separate = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "separate")
    separate.append(char)
    at = 1 if first._p.pPr is not None else 0  # after the paragraph's properties, before its text
    for offset, element in enumerate((begin, instruction, separate)):
        first._p.insert(at + offset, element)
    _fld_char(last, "end")
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)


def align_figures(paragraph: Paragraph, cell: Node) -> None:
    """Set a table cell's paragraph on the right when the HTML does: a figure, or the heading over figures.

    The report's stylesheet sets every ``td`` on the right but a column of words (``ik-text``), and the
    headings of columns of figures (``th.ik-num``).
    """
    if (cell.tag == "td" and "ik-text" not in cell.classes) or (cell.tag == "th" and "ik-num" in cell.classes):
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def add_bookmark(paragraph: Paragraph, name: str, number: int) -> None:
    """Mark a paragraph as the bookmark ``name`` (a fixed name the kit makes: ``ik_data_3``)."""
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), str(number))
    at = 1 if paragraph._p.pPr is not None else 0
    paragraph._p.insert(at, start)
    paragraph._p.append(end)


def add_internal_link(paragraph: Paragraph, text: str, anchor: str) -> None:
    """Append a link to a bookmark of the same document (never to an outside address)."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    run = paragraph.add_run(xml_text(text))
    run.underline = True
    paragraph._p.remove(run._r)
    link.append(run._r)
    paragraph._p.append(link)


def set_language(document: Document, lang: str) -> None:
    """Set the report's language on the document's default run properties and on its core properties."""
    tag = LANGUAGE_TAGS[lang]
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    language = properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        properties.append(language)
    language.set(qn("w:val"), tag)
    language.set(qn("w:eastAsia"), tag)
    language.set(qn("w:bidi"), tag)
    # A style of a template that names its own language would override the default: the report's wins.
    for element in styles.iter(qn("w:lang")):
        if element is not language:
            element.set(qn("w:val"), tag)
    document.core_properties.language = tag


def copy_missing_styles(document: Document, source: Document, names: Iterable[str]) -> list[str]:
    """Copy the styles ``names`` that ``document`` lacks from ``source`` (the kit's template); return those copied.

    A funder's template made in Word holds only the styles it uses; the report needs a
    few more (lists, quote, caption, table of contents). A copied list style loses its
    numbering reference unless the document has the same numbering. A copied style keeps
    its look (the quote's side bar and indent, the caption's size and colour) but not its
    font: it takes the template's, through the style it is based on.
    """
    have = {style.name for style in document.styles}
    copied = []
    numbering = _numbering_ids(document)
    for name in names:
        if name in have or name not in {style.name for style in source.styles}:
            continue
        element = copy.deepcopy(source.styles[name].element)
        for fonts in element.iter(qn("w:rFonts")):  # in the template's fonts: its Normal's, or its headings'
            fonts.getparent().remove(fonts)
        for num in element.iter(qn("w:numPr")):
            num_id = num.find(qn("w:numId"))
            if num_id is None or num_id.get(qn("w:val")) not in numbering:
                num.getparent().remove(num)
        document.styles.element.append(element)
        copied.append(name)
    return copied


def _numbering_ids(document: Document) -> set[str]:
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return set()
    return {str(n.get(qn("w:numId"))) for n in numbering.iter(qn("w:num"))}


# Names an HTML parser lower-cases that SVG spells in camel case (those matplotlib writes).
#: A character reference to a control character XML does not allow (``&#31;``, ``&#x1f;``).
_C0_REFERENCE = re.compile(r"&#(?:0*(?:[0-8]|1[1-2]|1[4-9]|2\d|3[01])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]));")
_SVG_NAMES = {"viewbox": "viewBox", "clippath": "clipPath", "preserveaspectratio": "preserveAspectRatio"}


def _svg_document(markup: str) -> str:
    """Return an SVG taken from an HTML page as a standalone SVG document resvg reads."""
    # A site name may hold a control character (validate takes it), which an SVG, being XML, cannot: U+FFFD.
    svg = _C0_REFERENCE.sub("&#xfffd;", xml_text(markup[markup.index("<svg") :]))
    for lower, proper in _SVG_NAMES.items():
        svg = re.sub(rf"(?<=[<\s/]){lower}(?=[\s=>/])", proper, svg)
    if "xmlns=" not in svg[: svg.index(">")]:
        svg = '<svg xmlns="http://www.w3.org/2000/svg"' + svg[len("<svg") :]
    if "xmlns:xlink=" not in svg[: svg.index(">")]:
        svg = '<svg xmlns:xlink="http://www.w3.org/1999/xlink"' + svg[len("<svg") :]
    # The page's colours are CSS variables with the light theme's colour as fallback: Word gets that colour.
    svg = re.sub(r"var\(--[\w-]+,\s*([^()]+?)\)", r"\1", svg)
    # resvg reads sizes in px; matplotlib writes pt.
    return re.sub(r'\b(width|height)="([\d.]+)pt"', lambda m: f'{m[1]}="{float(m[2]) * 4 / 3:.3f}"', svg, count=2)


@cache
def _fonts() -> tuple[str, ...]:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return tuple(str(p) for p in sorted(folder.glob("DejaVuSans*.ttf")) if "Mono" not in p.name)


def chart_png(source: str) -> tuple[bytes, float]:
    """Return a chart as PNG bytes and its drawn width in points.

    Parameters
    ----------
    source : str
        An inline ``<svg>`` element of the page, or a ``data:image/svg+xml;base64,`` or
        ``data:image/png;base64,`` URI (the portfolio's charts).

    Raises
    ------
    ValueError
        If it is neither.
    """
    import resvg_py

    if source.startswith("data:image/png;base64,"):
        data = base64.b64decode(source.split(",", 1)[1])
        width = int.from_bytes(data[16:20], "big") * 0.75
        return data, width
    if source.startswith("data:image/svg+xml;base64,"):
        source = base64.b64decode(source.split(",", 1)[1]).decode("utf-8")
    elif not source.lstrip().startswith("<svg"):
        raise ValueError("not an inline SVG or an SVG or PNG data URI")
    svg = _svg_document(source)
    size = re.search(r'\bwidth="([\d.]+)', svg[: svg.index(">")])
    png = bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=PNG_ZOOM, skip_system_fonts=True, font_files=list(_fonts())))
    return png, (float(size[1]) * 0.75 if size else 450.0)

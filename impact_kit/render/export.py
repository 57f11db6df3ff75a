"""HTML export: an executed report notebook to one offline page, with nbconvert and the kit's template.

The template (``impact_kit/templates/impact_report``, extending ``lab``) drops code,
prompts, parameters, notes for evaluators and every script or style from the network;
charts are inline. The table of contents is made from the page's own headings, so it
lists exactly the sections the notebook shows, an evaluator's own included.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbformat import NotebookNode

from impact_kit.data.plain import plain
from impact_kit.render.commentary import commentary_html
from impact_kit.render.markup import PAGE_MIME, STYLE_MARK
from impact_kit.render.typography import typeset_html
from impact_kit.words import fill, format_date, texts

__all__ = ["REMOVED_TAGS", "TEMPLATES_DIR", "contents_html", "export_html", "warm_exporters"]

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
_NOTEBOOK_STYLE = re.compile(re.escape(STYLE_MARK) + r".*?</style>", re.DOTALL)
#: Cells with these tags never reach the HTML: parameters, notes for evaluators, and nbconvert's own tag.
REMOVED_TAGS = frozenset({"parameters", "injected-parameters", "notes", "remove-cell"})


class _ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter, whose Markdown cells (an evaluator's own) render as JupyterLab renders them.

    Their HTML is kept through a safe subset (:mod:`impact_kit.render.commentary`): ``<b>``
    is bold as in Lab; a script, an event handler, a ``javascript:`` link, a style or a
    remote image never reaches the page.
    """

    @pass_context
    def markdown2html(self, context: dict[str, object], source: str) -> str:
        cell: dict[str, object] = context.get("cell", {})  # type: ignore[assignment]
        return commentary_html(
            source,
            attachments=cell.get("attachments", {}),  # type: ignore[arg-type]
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
        )

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Convert as HTMLExporter does, less its last step: a BeautifulSoup pass over the whole page.

        That pass gives ``<img>`` without ``alt`` a placeholder one and ``tabindex`` to the
        cells of a ``.jp-Notebook``: the kit's pages have neither (charts are inline SVG
        named by ``aria-label``, Markdown images have their ``alt``, the body is no
        ``.jp-Notebook``), so it only wrote the same page again, at ~0.07 s a report (15 %
        of a batch report's CPU, 2 cores). tests/test_export.py checks that the page is
        HTMLExporter's but for that serialisation.
        """
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter(
            "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        )
        resources = self._init_resources(resources)
        data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("filter_data_type", data_type)
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


@cache
def _exporter(lang: str) -> HTMLExporter:
    """One exporter per language, its template compiled once per process."""
    exporter = _ReportExporter(
        template_name="impact_report",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=lang,
    )
    # nbconvert's remove-input and remove-output tags work as nbconvert documents them, on any cell.
    remove = TagRemovePreprocessor(
        remove_cell_tags=set(REMOVED_TAGS),
        remove_input_tags={"remove-input"},
        remove_all_outputs_tags={"remove-output"},
    )
    exporter.register_preprocessor(remove, enabled=True)
    return exporter


def warm_exporters(langs: Iterable[str]) -> None:
    """Build the exporters of these languages and compile their template once (a batch's parent does it)."""
    from nbformat.v4 import new_notebook

    for lang in langs:
        _exporter(lang).from_notebook_node(new_notebook(), resources={"impact_kit": {"generated": ""}})


class _Headings(HTMLParser):
    """Collects ``(level, id, text, user)`` of the h2 and h3 headings with an id (their own or their section's).

    ``user`` is True for a heading inside the data's or the evaluator's words (``class="ik-user"``).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str, bool]] = []
        self._open: tuple[int, str, list[str]] | None = None
        self._section: str | None = None
        self._skip = 0
        self._user: list[str] = []  # the open elements of an ik-user region, by tag

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "ik-user" in (attributes.get("class") or "").split() or (self._user and tag == self._user[0]):
            self._user.append(tag)
        if tag == "section":
            self._section = attributes.get("id")
        elif tag in ("h2", "h3") and (attributes.get("id") or self._section):
            self._open = (int(tag[1]), str(attributes.get("id") or self._section), [])
            self._section = None
        elif tag == "a" and "anchor-link" in (attributes.get("class") or ""):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self._user and tag == self._user[-1]:
            self._user.pop()
        if tag == "a" and self._skip:
            self._skip -= 1
        elif tag in ("h2", "h3") and self._open:
            level, anchor, words = self._open
            self.found.append((level, anchor, " ".join("".join(words).split()), bool(self._user)))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open and not self._skip:
            self._open[2].append(data)


#: A chart's inline SVG as render.figures.inline_svg opens it (never self-closed): its text is
#: escaped, so it holds no "</svg>" before its own.
_DRAWINGS = re.compile(r'<svg role="img" aria-label="[^"]*" focusable="false"[^>]*(?<!/)>.*?</svg>', re.S)


def contents_html(body: str, lang: str) -> str:
    """Return the table of contents (``<nav>``) of a page's h2 and h3 headings.

    A heading is listed when it has an id, or opens a ``<section>`` that has one.
    """
    parser = _Headings()
    parser.feed(_DRAWINGS.sub("", body))  # a chart holds no heading, and is four fifths of a page's tags
    tree: list[tuple[str, list[str]]] = []
    for level, anchor, text, user in parser.found:
        shown = html.escape(text, quote=False)
        shown = f'<span class="ik-user">{shown}</span>' if user else shown  # the evaluator's heading: as written
        link = f'<a href="#{html.escape(anchor)}">{shown}</a>'
        if level == 3 and tree:
            tree[-1][1].append(link)
        else:
            tree.append((link, []))
    items = "".join(
        f"<li>{link}" + (f"<ol>{''.join(f'<li>{c}</li>' for c in children)}</ol>" if children else "") + "</li>"
        for link, children in tree
    )
    title = html.escape(texts(lang)["contents"])
    # A <details>: folded on phones (the summary comes first), held open beside the text on wide screens (CSS).
    return (
        f'<nav class="ik-toc" aria-label="{title}"><details class="ik-toc-fold"><summary><h2>{title}</h2></summary>'
        f"<ol>{items}</ol></details></nav>"
    )


def _css_string(text: str) -> Markup:
    """Return text as a CSS string (quoted, escaped) that is safe inside a ``<style>`` element."""
    escaped = "".join(ch if ch.isalnum() or ch in " ·-,.'()" else f"\\{ord(ch):x} " for ch in text)
    return Markup(f'"{escaped}"')


def export_html(notebook: NotebookNode, *, lang: str = "fr", title: str = "", generated: dt.date | None = None) -> str:
    """Convert an executed report notebook to one self-contained HTML page.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The executed notebook (left unchanged).
    lang : str
        The page's language (``<html lang>`` and the footer).
    title : str
        The page's ``<title>``.
    generated : datetime.date, optional
        The generation date shown in the footer; today by default.

    Returns
    -------
    str
        The HTML page, its table of contents after the report's header.
    """
    nb = copy.deepcopy(notebook)
    nb.metadata.pop("papermill", None)  # the run's parameters stay in report.ipynb only
    title = plain(title)  # <title>, hence the PDF's Title: no bidi or control characters
    nb.metadata["title"] = title
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
            for output in cell.outputs:
                if PAGE_MIME in output.get("data", {}):  # a chart: the page's inline SVG, not the notebook's <img>
                    output.data["text/html"] = output.data.pop(PAGE_MIME)
                if "text/html" in output.get("data", {}):  # a section's notebook style: the page has report.css
                    output.data["text/html"] = _NOTEBOOK_STYLE.sub("", "".join(output.data["text/html"]))
    date = format_date(generated or dt.date.today(), lang)
    resources = {
        "impact_kit": {
            "generated": Markup(fill(texts(lang)["generated"], {"date": date}, lang)),
            "running": _css_string(title),  # the printed pages' running footer
            "evaluation": _css_string(texts(lang)["evaluation"]),  # labels the evaluator's cells
        }
    }
    body, _ = _exporter(lang).from_notebook_node(nb, resources=resources)
    main = body[body.find("<main") :]
    contents = contents_html(main, lang)
    marker = "</header>"
    at = body.find(marker, body.find("<main"))
    if at >= 0:  # the title block ends with the report's date
        dated = f'<p class="ik-date">{fill(texts(lang)["dated"], {"date": date}, lang)}</p>\n'
        body = body[:at] + dated + body[at:]
        at += len(dated)
    if at < 0:  # no header cell: the contents open the page
        at, marker = body.find(">", body.find("<main")), ""
        return typeset_html(body[: at + 1] + contents + body[at + 1 :], lang)
    return typeset_html(body[: at + len(marker)] + contents + body[at + len(marker) :], lang)

"""HTML pieces of the reports: the section templates (Jinja, autoescaped) and what Jupyter displays.

Every section of a report is rendered from a template of ``impact_kit/templates/sections``
with autoescaping on: text from data files is escaped by Jinja, and only what the kit
has already escaped (sentences from :func:`impact_kit.words.fill`) is passed as
:class:`markupsafe.Markup`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

__all__ = ["NOTEBOOK_STYLES_DIR", "PAGE_MIME", "SECTIONS_DIR", "STYLE_MARK", "Html", "notebook_style", "render"]

#: The folder of the section templates.
SECTIONS_DIR = Path(__file__).resolve().parents[1] / "templates" / "sections"
#: The styles a section needs in a notebook, which has no report.css: ``<class>.css`` for the class it
#: styles (``ik-more``: a folded testimony shows one label; ``ik-table-wrap``, ``ik-table-scroll``: a wide
#: table scrolls sideways). No comments in them: they land in report.ipynb's outputs.
NOTEBOOK_STYLES_DIR = SECTIONS_DIR.parent / "notebook"
#: How a section's notebook style starts: the HTML export removes it (the page has its one stylesheet).
STYLE_MARK = '<style class="ik-notebook-style">'
#: The mimetype under which a section's output also carries the page's HTML, when its notebook display
#: differs (a chart: inline SVG in the page, an ``<img>`` in notebooks, which every viewer shows, trusted or
#: not); :func:`impact_kit.render.export.export_html` puts it back in the page.
PAGE_MIME = "application/vnd.impact-kit.page+html"


@cache
def _notebook_styles() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(NOTEBOOK_STYLES_DIR.glob("*.css"))}


def notebook_style(markup: str) -> str:
    """Return the ``<style>`` element a section needs in Jupyter (folds, wide tables), or "" if none.

    Only the rules of the classes the section uses, each scoped by its ``ik-`` class.
    """
    rules = [css for name, css in _notebook_styles().items() if f'class="{name}' in markup or f" {name}" in markup]
    return f"{STYLE_MARK}\n{''.join(rules)}</style>" if rules else ""


class Html:
    """A piece of report HTML that Jupyter displays (``_repr_html_``) and ``str()`` returns."""

    def __init__(self, markup: str, *, name: str = "html", notebook: str | None = None) -> None:
        # Plain str, not markupsafe.Markup: Markup would escape whatever is added to it.
        self.markup = str.__str__(markup)
        self.name = name
        #: What notebooks show instead, if it differs from the page's markup (see PAGE_MIME).
        self.notebook = None if notebook is None else str.__str__(notebook)

    def _repr_html_(self) -> str:
        # Jupyter shows the section without the page's stylesheet: it carries the few rules it needs.
        shown = self.markup if self.notebook is None else self.notebook
        return notebook_style(shown) + shown

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str] | None:
        """Return the notebook's HTML and the page's (:data:`PAGE_MIME`) when they differ; None otherwise."""
        return None if self.notebook is None else {"text/html": self._repr_html_(), PAGE_MIME: self.markup}

    def __html__(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return f"<Html {self.name}: {len(self.markup)} characters>"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(SECTIONS_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(template: str, **context: Any) -> Html:
    """Render ``templates/sections/<template>.html.j2`` with ``context`` and return it as :class:`Html`.

    Raises
    ------
    jinja2.TemplateNotFound
        If there is no such template.
    jinja2.UndefinedError
        If the template uses a value that is not given.
    """
    markup = _environment().get_template(f"{template}.html.j2").render(**context)
    return Html(Markup(markup.strip()), name=template)

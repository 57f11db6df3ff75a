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

__all__ = ["SECTIONS_DIR", "Html", "render"]

#: The folder of the section templates.
SECTIONS_DIR = Path(__file__).resolve().parents[1] / "templates" / "sections"


class Html:
    """A piece of report HTML that Jupyter displays (``_repr_html_``) and ``str()`` returns."""

    def __init__(self, markup: str, *, name: str = "html") -> None:
        # Plain str, not markupsafe.Markup: Markup would escape whatever is added to it.
        self.markup = str.__str__(markup)
        self.name = name

    def _repr_html_(self) -> str:
        return self.markup

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

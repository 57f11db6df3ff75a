"""An evaluator's Markdown cell in the page: rendered as JupyterLab renders it, through a safe subset of HTML.

Lab renders the HTML of a Markdown cell (``<b>`` is bold) and sanitises it; the page does
the same with a maintained sanitiser, `nh3 <https://nh3.readthedocs.io>`_ (the Rust crate
Ammonia): text formatting, lists, tables, headings, links and inline images are kept;
everything that runs, restyles the page or fetches something is removed: scripts, event
handlers, ``javascript:`` and ``data:`` links, ``style`` elements and attributes, frames,
forms, and remote resources. A Markdown image from elsewhere becomes its alt text as a link
(the page opens offline and makes no request); an image attached to the cell stays inline.
"""

from __future__ import annotations

from typing import Any

import nh3
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

__all__ = ["ALLOWED_TAGS", "commentary_html", "sanitise"]

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: The elements an evaluator's Markdown keeps (Lab's sanitiser keeps more: styles, forms, media).
ALLOWED_TAGS = _HEADINGS | frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn", "div",
        "dl", "dt", "em", "figcaption", "figure", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre",
        "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
_ATTRIBUTES = {
    "*": {"lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    # Headings keep the id nbconvert gives them: the table of contents links to it.
    **{heading: {"id"} for heading in _HEADINGS},
}
#: Elements removed with their content (others not allowed lose their tags, keep their text).
_REMOVED_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "textarea", "select", "title"}


def _attribute(element: str, attribute: str, value: str) -> str | None:
    """Keep an image only if it is inline (``data:image/``), a link only if it is not ``data:``."""
    if element == "img" and attribute == "src" and not value.startswith("data:image/"):
        return None  # no request leaves the page
    if element == "a" and attribute == "href" and value.strip().lower().startswith("data:"):
        return None
    return value


def sanitise(markup: str) -> str:
    """Return ``markup`` with only the safe subset of HTML of this module's docstring."""
    return str(
        nh3.clean(
            markup,
            tags=set(ALLOWED_TAGS),
            clean_content_tags=_REMOVED_WITH_CONTENT,
            attributes=_ATTRIBUTES,
            allowed_classes={"a": {"anchor-link"}},
            attribute_filter=_attribute,
            url_schemes={"http", "https", "mailto", "data"},
            link_rel=None,  # no link opens in a new tab: nothing for rel to guard
            strip_comments=True,
        )
    )


class _Renderer(IPythonRenderer):
    """nbconvert's renderer (attachments inline, heading anchors), remote images made links."""

    def image(self, text: str, url: str, title: str | None = None) -> str:
        if self._embed_image_or_attachment(url).startswith("data:image/"):
            return str(super().image(text, url, title))
        return f'<a href="{self.safe_url(url)}">{text or self.safe_url(url)}</a>'


def commentary_html(source: str, *, attachments: dict[str, Any] | None = None, **options: Any) -> str:
    """Return an evaluator's Markdown as the page shows it: rendered, then sanitised.

    Parameters
    ----------
    source : str
        The cell's Markdown, HTML included.
    attachments : dict, optional
        The cell's attachments (images pasted into it), inlined as ``data:`` URIs.
    **options
        ``anchor_link_text`` and ``exclude_anchor_links``, as nbconvert's exporter has them.
    """
    renderer = _Renderer(escape=False, allow_harmful_protocols=False, attachments=attachments or {}, **options)
    return sanitise(str(MarkdownWithMath(renderer=renderer).render(source)))

"""French typography for the kit's own words, by the Imprimerie nationale's rules; the data's words untouched.

:func:`typeset` sets a French text: ’ for the apostrophe, a narrow no-break space (U+202F)
before ``; ! ?`` and inside « », a no-break space (U+00A0) before ``:`` and ``%``, "…" for
"...". :func:`typeset_html` does it on a page's text, leaving alone what the page marks as the
data's or the evaluator's words (``class="ik-user"``: testimonies, free answers, keywords,
names), code, styles and the page's title. Other languages are returned unchanged.
"""

from __future__ import annotations

import re

__all__ = ["typeset", "typeset_html"]

NNBSP, NBSP = "\u202f", "\u00a0"

_RULES = (
    (re.compile(r"(?<=\w)'(?=\w)"), "’"),  # aujourd'hui, l'image: an apostrophe, not a quote
    (re.compile(r"\.\.\."), "…"),
    (re.compile(r"[ \u00a0\u202f]*([;!?])"), NNBSP + r"\1"),
    (re.compile(r"(?:(?<=\S)|^)[ \u00a0\u202f]*:(?=\s|$)"), NBSP + ":"),  # also at a text node's start
    (re.compile(r"«[ \u00a0]*"), "«" + NNBSP),
    (re.compile(r"[ \u00a0]*»"), NNBSP + "»"),
    (re.compile(r"(?<=\d)[ \u00a0]*%"), NBSP + "%"),
)

# Elements whose text is never set: code, styles, the page's title (it may hold a name), and the charts'
# drawings (their labels are set in the charts' data tables; a page's SVG is most of its tags).
_KEEP = {"script", "style", "title", "code", "pre", "textarea", "svg"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_TAG = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?[^>]*>|</?([A-Za-z][\w:-]*)([^>]*)>", re.S)
_USER = re.compile(r"""class\s*=\s*["'][^"']*\bik-user\b""")


def typeset(text: str, lang: str) -> str:
    """Return ``text`` set by the typography of ``lang`` (French only; other languages unchanged).

    Meant for the kit's own words: never for a testimony or an answer, which stay as written.
    """
    if lang != "fr":
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def typeset_html(page: str, lang: str) -> str:
    """Return an HTML page with the text of its elements set by :func:`typeset`, but for the data's words.

    Text inside an element of class ``ik-user`` (and inside script, style, title, code, pre)
    is left exactly as it is; tags, attributes and entities are never changed. The page must
    be well formed, as the kit writes it: every element it opens, it closes.
    """
    if lang != "fr":
        return page
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # open elements: name, and whether their text is kept as is
    at = 0
    for match in _TAG.finditer(page):
        text = page[at : match.start()]
        kept = bool(stack) and stack[-1][1]
        out.append(text if kept or not text.strip() else _entities_safe(text, lang))
        out.append(match.group(0))
        at = match.end()
        name, attributes = match.group(1), match.group(2) or ""
        if name is None:
            continue
        name = name.lower()
        if match.group(0).startswith("</"):
            while stack and stack.pop()[0] != name:
                pass
        elif name not in _VOID and not attributes.rstrip().endswith("/"):
            inherited = bool(stack) and stack[-1][1]
            stack.append((name, inherited or name in _KEEP or bool(_USER.search(attributes))))
    tail = page[at:]
    out.append(tail if stack and stack[-1][1] else _entities_safe(tail, lang))
    return "".join(out)


def _entities_safe(text: str, lang: str) -> str:
    """Set a text node of HTML, leaving its entities (``&amp;``, ``&lt;``) whole.

    An apostrophe escaped by a template (``&#39;``) is an apostrophe: it is set like one.
    """
    parts = re.split(r"(&#?\w+;)", text.replace("&#39;", "'").replace("&#x27;", "'"))
    return "".join(part if part.startswith("&") and part.endswith(";") else typeset(part, lang) for part in parts)

"""Text from the data shown safely: bidirectional names isolated, control characters kept out of titles and terminals.

A name may hold a right-to-left override (U+202E) that would reverse the text after it,
or a terminal's escape sequences (``ESC[31m``). :func:`isolate` closes such a name in
Unicode's own isolate marks (U+2068 FIRST STRONG ISOLATE ... U+2069 POP DIRECTIONAL
ISOLATE), what ``<bdi>`` does in HTML, but in every output at once: the page, the PDF,
the notebook, the CSV; a name without such characters is left as it is. :func:`plain`
gives the text a document's metadata holds (``<title>``, the PDF's Title); :func:`printable`
the text a message prints on a terminal.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["BIDI_CONTROLS", "isolate", "plain", "printable"]

#: Unicode's explicit directional formatting characters: embeddings, overrides, isolates and their ends.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_FSI, _PDI = "\u2068", "\u2069"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def isolate(text: str) -> str:
    """Return ``text`` between isolate marks if it holds a directional control, else ``text`` unchanged."""
    if any(char in BIDI_CONTROLS for char in text):
        return f"{_FSI}{text}{_PDI}"
    return text


def plain(text: str) -> str:
    """Return ``text`` without control and formatting characters (bidi marks, zero-width, escapes), for metadata."""
    kept = (char for char in text if unicodedata.category(char) not in ("Cc", "Cf") or char in "\t\n")
    return " ".join("".join(kept).split())


def printable(text: str) -> str:
    r"""Return ``text`` with its control characters and directional marks as escapes (``\x1b``), for messages."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return "".join(f"\\u{ord(c):04x}" if c in BIDI_CONTROLS else c for c in text)

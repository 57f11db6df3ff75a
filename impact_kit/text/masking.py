"""Pseudonymise testimonies: mask e-mail addresses, French phone numbers and listed names.

This is pseudonymisation, not anonymisation in the CNIL's sense: a person may still be
recognised from what the text says. What is masked:

- e-mail addresses;
- French phone numbers as people write them: ``06 12 34 56 78``, ``06.12.34.56.78``,
  ``0612345678``, ``+33 6 12 34 56 78``, ``+33 (0)6 12 34 56 78``, ``+33 0 6 12 34 56 78``,
  ``0033 6...``, ``tel0612345678``, ``0 800 123 456``; while dates, postcodes, amounts,
  SIRET/SIREN, IBAN and lists such as ``01 02 03 04 05`` are kept;
- the names and nicknames listed in ``data/redact.csv`` (``site,text,replacement``), whatever
  their case and accents, as whole words, each by its replacement or a numbered placeholder
  (``[personne 1]``) that stays the same for that name in every testimony of the site.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from impact_kit.data.redactions import Name

__all__ = ["KINDS", "Name", "Redacted", "redact"]

#: What :func:`redact` counts, in this order.
KINDS = ("email", "phone", "name")

_MASKS = {
    "fr": {"email": "[courriel]", "phone": "[téléphone]", "name": "[personne {number}]"},
    "en": {"email": "[e-mail]", "phone": "[phone]", "name": "[person {number}]"},
}

# Starts where a run of its characters starts: from inside a run the search would scan the rest of it
# again for an "@" at every character, which took minutes on a long testimony (131,000 letters).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# One separator between digit groups: a space (also non-breaking), a dot or a dash.
_SEP = r"[ \u00a0\u202f.\-]"
_PHONE = re.compile(
    r"(?<![\d+])(?<!\d" + _SEP + r")"  # not the tail of a longer run of digits
    r"(?:"
    r"(?:\(?(?:\+|00)33\)?" + _SEP + r"?(?:\(0\)" + _SEP + r"?|0" + _SEP + r"?)?|0)"  # +33, +33 (0), 0033, 0
    r"(?P<first>[1-9])(?P<pairs>(?:" + _SEP + r"?\d{2}){4})"
    r"|0" + _SEP + r"?8\d{2}(?:" + _SEP + r"?\d{3}){2}"  # 0 800 123 456
    r")"
    r"(?!" + _SEP + r"?\d)"  # nor the head of one
)

_APOSTROPHES = "'\u2019\u02bc"  # ' and the typographic ones
_HYPHENS = "\\-\u2010\u2011"  # - and the typographic ones (escaped for a character class)


@dataclass(frozen=True)
class Redacted:
    """A text with what identifies people masked, and how many of each kind were masked.

    Attributes
    ----------
    text : str
        The text, unchanged but for the masks.
    counts : Mapping[str, int]
        Replacements by kind: ``email``, ``phone``, ``name`` (every kind present).
    """

    text: str
    counts: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def total(self) -> int:
        """Return how many replacements were made in all."""
        return sum(self.counts.values())


def _mask(name: Name, lang: str) -> str:
    """Return what replaces ``name`` in ``lang``: its replacement, or its numbered placeholder."""
    if name.replacement is not None:
        return name.replacement
    return _MASKS.get(lang, _MASKS["en"])["name"].format(number=name.number)


def redact(text: str, *, lang: str = "fr", names: Iterable[Name | str] = ()) -> Redacted:
    """Mask e-mail addresses, French phone numbers and the given names in ``text``.

    Parameters
    ----------
    text : str
        A testimony, as recorded; everything that is not masked is kept as written.
    lang : str
        Language of the masks (``fr``: ``[courriel]``, ``[téléphone]``, ``[personne 1]``;
        ``en`` or any other: ``[e-mail]``, ``[phone]``, ``[person 1]``).
    names : iterable of Name or str
        Names and nicknames to mask (see :func:`load_redactions`); a plain string is
        numbered by its position (1, 2, ...).

    Returns
    -------
    Redacted
        The masked text and the count of replacements by kind.
    """
    masks = _MASKS.get(lang, _MASKS["en"])
    counts = dict.fromkeys(KINDS, 0)
    text, counts["email"] = _EMAIL.subn(masks["email"], text)

    def phone(match: re.Match[str]) -> str:
        if _is_list(match):
            return match.group()
        counts["phone"] += 1
        return masks["phone"]

    text = _PHONE.sub(phone, text)
    rules = [n if isinstance(n, Name) else Name(n, None, i) for i, n in enumerate(names, start=1)]
    rules = [r for r in rules if r.text.strip()]
    if rules:
        # Longest first, so that "Marie Dupont" is one replacement, not "Marie" then "Dupont".
        rules.sort(key=lambda r: len(r.text), reverse=True)
        pattern = re.compile("|".join(f"(?P<n{i}>{_name_pattern(r.text)})" for i, r in enumerate(rules)), re.I)
        text, counts["name"] = pattern.subn(lambda m: _mask(rules[int(m.lastgroup[1:])], lang), text)  # type: ignore[index]
    return Redacted(text, counts)


def _is_list(match: re.Match[str]) -> bool:
    """Return True for a run such as ``01 02 03 04 05`` (every group below ten): a list, not a phone."""
    if match.group("first") is None or match.group().lstrip().startswith(("+", "(", "00")):
        return False
    groups = re.findall(r"\d{2}", match.group("pairs"))
    return all(g.startswith("0") for g in groups)


def _name_pattern(name: str) -> str:
    """Return a regular expression for ``name`` as whole words, whatever its accents, spaces and apostrophes."""
    parts = []
    for char in name.strip():
        base = _base_letter(char)
        if char.isspace():
            parts.append(r"\s+")
        elif char in _APOSTROPHES:
            parts.append(f"[{_APOSTROPHES}]")
        elif char in _HYPHENS:
            parts.append(f"[{_HYPHENS}\\s]")
        elif base in _variants():
            parts.append(f"[{_variants()[base]}][\u0300-\u036f]*")
        else:
            parts.append(re.escape(char))
    return r"(?<![^\W_])" + "".join(parts) + r"(?![^\W_])"


def _base_letter(char: str) -> str:
    return unicodedata.normalize("NFKD", char)[:1].lower()


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Each ASCII letter and every Latin letter that is it with an accent, in either case."""
    table: dict[str, set[str]] = {}
    for code in [*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        decomposed = unicodedata.normalize("NFKD", char)
        base = decomposed[:1].lower()
        # A letter and accents only: not a ligature such as "ǆ", which is not a "d".
        if base.isascii() and base.isalpha() and all(unicodedata.combining(c) for c in decomposed[1:]):
            table.setdefault(base, set()).update(c for c in (char, char.lower(), char.upper()) if len(c) == 1)
    return {base: re.escape("".join(sorted(chars))) for base, chars in table.items()}

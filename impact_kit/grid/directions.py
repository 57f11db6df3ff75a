"""Check the directions a grid file gives its questions and options (see ``direction`` in the grid file's header).

A question that reports an effect says so with ``direction``: ``positive`` or ``negative`` (every
answer has it; a number 0 means no effect), or ``options`` (each option carries its own
``direction``: ``positive``, ``negative`` or ``none``). A question without one describes.

A grid written before directions (no ``direction`` anywhere) keeps the meaning it had: every
question but testimonies, scales and keywords reports an effect, and an option marked
``effect: false`` means "no effect". A grid that mixes both spellings is refused with a message
that says what to write.
"""

from __future__ import annotations

from typing import Any

from impact_kit.grid.model import CHOICE_TYPES, DIRECTIONS, Option

__all__ = ["is_legacy", "option_direction", "question_direction"]

_UNDIRECTED = ("testimony", "scale", "keywords")


def _has_key(node: Any, key: str) -> bool:
    """Return True if ``key`` is a key of any mapping inside ``node`` (lists and mappings, at any depth)."""
    if isinstance(node, dict):
        return key in node or any(_has_key(v, key) for v in node.values())
    return isinstance(node, list) and any(_has_key(v, key) for v in node)


def is_legacy(doc: dict[str, Any]) -> bool:
    """Return True for a grid file written before directions: no ``direction`` in its levels or option sets."""
    return not _has_key([doc.get("levels"), doc.get("option_sets")], "direction")


def option_direction(node: dict[str, Any], *, legacy: bool) -> str | None:
    """Return an option's direction, or None if it gives none.

    Raises
    ------
    ValueError
        With what to write, if the option uses the older ``effect:`` in a grid with directions,
        or a direction that is not one of :data:`impact_kit.grid.model.DIRECTIONS`.
    """
    if legacy:
        return "positive" if node.get("effect", True) else "none"
    if "effect" in node:
        raise ValueError(
            "`effect: false` is the older spelling; write `direction: none` (and give every other option "
            "of the question `direction: positive` or `negative`, with `direction: options` on the question)."
        )
    given = node.get("direction")
    if given is not None and given not in DIRECTIONS:
        raise ValueError(f"`direction` must be one of {list(DIRECTIONS)}, not {given!r}.")
    return None if given is None else str(given)


def question_direction(node: dict[str, Any], qtype: str, options: tuple[Option, ...], *, legacy: bool) -> str | None:
    """Return what a question reports: None (it describes), ``positive``, ``negative`` or ``options``.

    Raises
    ------
    ValueError
        With what to add or remove, if the question's direction and its options' disagree.
    """
    if legacy:
        return None if qtype in _UNDIRECTED else "options" if options else "positive"
    given = node.get("direction")
    directed = [o.id for o in options if o.direction is not None]
    if given is None:
        if directed:
            raise ValueError(f"options {directed} carry a `direction`, so the question needs `direction: options`.")
        return None
    if qtype in _UNDIRECTED:
        raise ValueError(f"a {qtype} question has no direction; remove `direction`.")
    if given == "options":
        if qtype not in CHOICE_TYPES:
            raise ValueError(
                f"`direction: options` needs a choice question; a {qtype} question takes positive or negative."
            )
        missing = [o.id for o in options if o.direction is None]
        if missing or not options:
            raise ValueError(
                f"the question reports an effect (`direction: options`), but options {missing or '(none)'} have no "
                f"`direction`; give each one of {list(DIRECTIONS)}."
            )
        return "options"
    if given not in ("positive", "negative"):
        raise ValueError(f"`direction` must be positive, negative or options (each option its own), not {given!r}.")
    if directed:
        raise ValueError(f"options {directed} carry a `direction`; use `direction: options` on the question.")
    return str(given)

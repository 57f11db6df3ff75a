"""Méthode et limites: what a reader must know to read a report right, said in its own words.

Who answered and how, that an unanswered question is not "no effect", that intensity is
self-rated, that negative effects are never counted as effects, what the comparisons rest
on, and what the source did not ask. The words are the kit's (``method_*`` in
``impact_kit/texts.yaml``), which a grid file may replace with its own under ``words:``, next
to the grid they describe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from impact_kit.grid.model import Grid
from impact_kit.text.summary import QUOTE_WORDS
from impact_kit.words import DATA_LANG, UserText, fill, pick_form

__all__ = ["portfolio_method", "site_method"]


def _say(grid: Grid, lang: str, key: str, form: float | None = None, **values: Any) -> str:
    return fill(pick_form(grid.texts(lang)[key], form), values, lang)


def site_method(
    grid: Grid,
    lang: str,
    *,
    year: int,
    sites: int | None,
    compared: bool,
    minimum: int,
    not_asked: Sequence[str],
    files: Sequence[str],
) -> list[str]:
    """Return the method of a site report as sentences (escaped HTML), in the order a reader needs them.

    Parameters
    ----------
    grid, lang : Grid, str
        The grid (its ``words:`` first) and the report's language.
    year : int
        The report's year.
    sites : int or None
        How many sites of the data folder were observed that year; None when the report is
        not compared with its programme.
    compared : bool
        Whether there were enough sites (``minimum``) to place the site among them.
    not_asked : sequence of str
        The labels of the criteria the source's questionnaire did not ask.
    files : sequence of str
        The data files the site-year's answers come from.
    """
    said = [_say(grid, lang, key) for key in ("method_answers", "method_unanswered", "method_intensity")]
    said.append(_say(grid, lang, "method_directions"))
    said.append(_say(grid, lang, "method_summary_quote", words=QUOTE_WORDS))
    if lang != DATA_LANG:
        said.append(_say(grid, lang, "method_quotes"))
    if sites is not None:
        key = "method_programme" if compared else "method_no_programme"
        said.append(_say(grid, lang, key, sites, count=sites, year=str(year), min=minimum))
    if not_asked:
        said.append(_say(grid, lang, "method_not_asked", len(not_asked), criteria=list(not_asked)))
    if files:
        names = [UserText(name) for name in files]  # the user's file names, as written (no language)
        said.append(_say(grid, lang, "method_files", len(files), files=names))
    return said


def portfolio_method(
    grid: Grid,
    lang: str,
    *,
    counts: Sequence[tuple[int, int]],
    reporting: int,
    programme: int | None = None,
    compared: bool = False,
    totals: bool = False,
) -> list[str]:
    """Return the method of a portfolio as sentences (escaped HTML).

    ``counts`` are ``(year, sites observed)`` for each year shown, ``programme`` the programme's
    sites (``sites.csv``'s or the selection's; the most observed in a year by default), ``reporting``
    the sites of the report's year; ``compared`` says whether the report compares two years,
    ``totals`` whether it adds up the grid's numbers.
    """
    said = [_say(grid, lang, key) for key in ("method_answers", "method_unanswered", "method_directions")]
    if lang != DATA_LANG:
        said.append(_say(grid, lang, "method_quotes"))
    total = programme if programme else max((n for _, n in counts), default=reporting)
    years = [_say(grid, lang, "method_pf_year", n, year=str(y), count=n, total=total) for y, n in counts]
    said.append(_say(grid, lang, "method_pf_sites", len(counts), years=years))
    if compared:
        said.append(_say(grid, lang, "method_pf_panel"))
    if totals:
        said.append(_say(grid, lang, "method_pf_totals"))
    said.append(_say(grid, lang, "method_pf_small"))
    return said

"""The portfolio report's tables as a reader sees them: labels from the grid, numbers written out.

Each function takes a section's table (:mod:`impact_kit.indicators.portfolio`) and returns
a :class:`DataTable` of text: the data behind a chart (shown in a ``<details>`` element
under it) or the table of every site. The templates escape every cell; only links,
made by :class:`~impact_kit.reports.portfolio.PortfolioReport`, come as Markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup

from impact_kit.grid.model import Grid
from impact_kit.indicators.shares import share_form, wilson_interval
from impact_kit.words import fill_text, format_number, pick_form, texts

__all__ = [
    "DataTable",
    "change_data",
    "effect_shares_data",
    "intensity_data",
    "label",
    "movers_data",
    "percent",
    "publics_data",
    "share",
    "share_detail",
    "signed",
    "sites_data",
]


@dataclass(frozen=True)
class DataTable:
    """A table of the report: column headings, then rows of (row heading, cells), all text or Markup.

    With ``titles`` (each column's full name), the headings are short, each in an ``<abbr>`` with
    its full name, the ``legend`` under the table spells them out, and on a phone each row is a card.
    ``groups`` (one per column, "" for none) puts a heading over consecutive columns of a group.
    Every column but the rows' headings holds figures, set on the right with their heading, except
    ``text_columns`` (their indices in ``columns``), which hold words.
    """

    columns: Sequence[str]
    rows: Sequence[tuple[str | Markup, Sequence[str]]]
    titles: Sequence[str] = ()
    legend: str = ""
    groups: Sequence[str] = ()
    text_columns: Sequence[int] = ()

    def head_rows(self) -> list[list[dict[str, Any]]]:
        """Return the header's rows of cells (``text``, ``title``, ``colspan``, ``rowspan``, ``scope``, ``numeric``).

        One row without ``groups``; with them, a first row of the groups' headings (a column outside
        any group spans both rows) and a second of the grouped columns. A column of figures is
        ``numeric``, and so is a group of such columns: their headings sit over the figures, on the right.
        """
        titles = list(self.titles) or [""] * len(self.columns)
        numeric = [self.numeric(i) for i in range(len(self.columns))]
        cells = [
            {"text": c, "title": t if t != c else "", "colspan": 1, "rowspan": 1, "scope": "col", "numeric": n}
            for c, t, n in zip(self.columns, titles, numeric, strict=True)
        ]
        if not any(self.groups):
            return [cells]
        top: list[dict[str, Any]] = []
        below: list[dict[str, Any]] = []
        for i, (cell, group) in enumerate(zip(cells, self.groups, strict=True)):
            if not group:
                top.append(cell | {"rowspan": 2})
            elif i and self.groups[i - 1] == group:
                top[-1]["colspan"] += 1
                top[-1]["numeric"] &= cell["numeric"]
                below.append(cell)
            else:
                top.append(
                    {"text": group, "title": "", "colspan": 1, "rowspan": 1, "scope": "colgroup"}
                    | {"numeric": cell["numeric"]}
                )
                below.append(cell)
        return [top, below]

    def numeric(self, column: int) -> bool:
        """Whether ``column`` (0 is the rows' headings) holds figures, set on the right, or words (``text_columns``)."""
        return column > 0 and column not in self.text_columns


def label(grid: Grid, item: str, lang: str) -> str:
    """Return the label of a criterion, a level or a public option of ``grid`` (the id if it has none)."""
    owner = grid.criterion(item) or grid.level(item)
    if owner is not None:
        return owner.label(lang)
    for _, question in grid.publics_questions():
        option = question.option(item)
        if option is not None:
            return option.label(lang)
    return item


def percent(share: float, lang: str) -> str:
    """Return a share (0 to 1) as a whole percentage: "40 %" in French, "40%" in English."""
    return fill_text(texts(lang)["pf_percent"], {"value": format_number(round(share * 100), lang)}, lang)


def share_detail(observed: int, sites: int, lang: str) -> str:
    """Return what follows a count of sites: "", " (42 %)", or " (40 % ; intervalle de confiance à 95 % : 26 à 55 %)".

    The rule of :mod:`impact_kit.indicators.shares`: no percentage under 10 sites, an interval from 30.
    """
    form = share_form(sites)
    if form == "count" or sites <= 0:
        return ""
    words = texts(lang)
    values = {"percent": percent(observed / sites, lang)}
    if form == "interval":
        low, high = wilson_interval(observed, sites)
        values |= {"low": percent(low, lang), "high": percent(high, lang)}
    return fill_text(words[f"pf_share_{form}"], values, lang)


def share(observed: int, sites: int, lang: str) -> str:
    """Return a share of sites as the portfolio tells it: "3 sur 5", "5 sur 12 (42 %)", or with its interval."""
    values = {"observed": format_number(observed, lang), "sites": format_number(sites, lang)}
    return fill_text(texts(lang)["pf_share"], values, lang) + share_detail(observed, sites, lang)


def signed(change: int) -> str:
    """Return a change with its sign, a true minus (U+2212, not a hyphen) for a fall: "+4", "0", "\u22128"."""
    return f"{int(change):+d}".replace("-", "\u2212") if change else "0"


def _counts(wide: pd.DataFrame, grid: Grid, lang: str) -> list[tuple[str | Markup, Sequence[str]]]:
    return [(label(grid, str(key), lang), [str(int(n)) for n in row]) for key, row in wide.iterrows()]


def effect_shares_data(
    shares: pd.DataFrame,
    grid: Grid,
    lang: str,
    *,
    panel: pd.DataFrame | None = None,
    previous: int | None = None,
    year: int | None = None,
) -> DataTable:
    """Return criteria (rows) x years (columns): "positive of sites (share)", and the sites with a negative effect.

    With ``panel`` (:func:`impact_kit.indicators.response.effect_panel`) and the two years, a last
    column compares the same sites both years: "de 2 à 3".
    """
    words = grid.texts(lang)
    years = sorted(int(y) for y in shares["year"].unique())
    columns = ["criterion", "year", "observed", "sites", "negative"]
    cells = {
        (c, int(y)): _with_negative(
            share(int(o), int(s), lang),
            n,
            words,
            lang,
        )
        for c, y, o, s, n in shares[columns].itertuples(index=False)
    }
    rows: list[tuple[str | Markup, Sequence[str]]] = [
        (label(grid, str(c), lang), [cells.get((c, y), words["pf_none"]) for y in years])
        for c in pd.unique(shares["criterion"])
    ]
    columns = [words["pf_col_criterion"], *map(str, years)]
    if panel is not None and len(panel) and previous is not None and year is not None:
        moved = {
            str(c): fill_text(words["pf_panel_cell"], {"before": b, "after": a}, lang)
            for c, b, a in panel[["criterion", "before", "after"]].itertuples(index=False)
        }
        rows = [
            (head, [*cells, moved.get(str(c), words["pf_none"])])
            for (head, cells), c in zip(rows, pd.unique(shares["criterion"]), strict=True)
        ]
        columns.append(fill_text(words["pf_col_panel"], {"previous": str(previous), "year": str(year)}, lang))
    return DataTable(columns, rows)


def _with_negative(cell: str, negative: int, words: Mapping[str, Any], lang: str) -> str:
    """Return a count of positive effects with, when there are any, the negative ones beside it."""
    if not negative:
        return cell
    return fill_text(pick_form(words["pf_cell_negative"], negative), {"cell": cell, "count": negative}, lang)


def publics_data(reach: pd.DataFrame, grid: Grid, lang: str) -> DataTable:
    """Return publics (rows) x criteria (columns): the number of sites."""
    wide = reach.pivot(index="public", columns="criterion", values="sites")
    wide = wide.reindex(index=pd.unique(reach["public"]), columns=pd.unique(reach["criterion"])).fillna(0)
    columns = [texts(lang)["pf_col_public"], *(label(grid, str(c), lang) for c in wide.columns)]
    return DataTable(columns, _counts(wide, grid, lang))


def intensity_data(distribution: pd.DataFrame, grid: Grid, lang: str) -> DataTable:
    """Return levels (rows) x ratings 1 to 5 and "not rated" (columns): the number of sites."""
    words = grid.texts(lang)
    rated = distribution.assign(intensity=distribution["intensity"].astype("string").fillna("-"))
    wide = rated.pivot(index="level", columns="intensity", values="sites")
    wide = wide.reindex(index=pd.unique(distribution["level"]), columns=["1", "2", "3", "4", "5", "-"]).fillna(0)
    return DataTable([words["pf_col_level"], "1", "2", "3", "4", "5", words["pf_not_rated"]], _counts(wide, grid, lang))


def change_data(change: pd.DataFrame, grid: Grid, lang: str) -> DataTable:
    """Return levels (rows) x down, unchanged, up (columns): the number of sites."""
    words = grid.texts(lang)
    direction = pd.cut(change["change"], [-10, -1, 0, 10], labels=["down", "same", "up"])
    wide = change.assign(direction=direction).pivot_table(
        index="level", columns="direction", values="sites", aggfunc="sum", sort=False, observed=False
    )
    wide = wide.reindex(index=pd.unique(change["level"]), columns=["down", "same", "up"]).fillna(0)
    columns = [words["pf_col_level"], words["pf_down"], words["pf_same"], words["pf_up"]]
    return DataTable(columns, _counts(wide, grid, lang))


def movers_data(movers: pd.DataFrame, *, previous: int, year: int, name: Callable[[str], str], lang: str) -> DataTable:
    """Return the movers (rows) with their criteria observed each year and the change."""
    words = texts(lang)
    columns = [
        words["pf_col_site"],
        fill_text(words["pf_col_before"], {"year": str(previous)}, lang),
        fill_text(words["pf_col_before"], {"year": str(year)}, lang),
        fill_text(words["pf_col_change"], {"previous": str(previous)}, lang),
    ]
    rows: list[tuple[str | Markup, Sequence[str]]] = [
        (name(str(s)), [str(b), str(a), signed(c)])
        for s, b, a, c in movers[["site", "before", "after", "change"]].itertuples(index=False)
    ]
    return DataTable(columns, rows)


def _number(value: float, lang: str) -> str:
    return texts(lang)["pf_none"] if pd.isna(value) else format_number(float(value), lang)


def sites_data(
    table: pd.DataFrame,
    grid: Grid,
    *,
    previous: int | None,
    head: Callable[[str], str | Markup],
    city: Callable[[str], str],
    lang: str,
) -> DataTable:
    """Return every site (rows) with its key figures (:func:`impact_kit.indicators.portfolio.site_table`).

    Parameters
    ----------
    previous : int, optional
        The previous year: adds the change since then ("new" for a site not observed then).
    head, city : callable
        A site id's row heading (its name, a link where its report exists) and its town.
    """
    words = grid.texts(lang)
    levels = [c for c in table.columns if str(c).startswith("intensity_")]
    # (short heading, full name) of each column: the full names go to <abbr> and the legend.
    heads = [
        (words["pf_col_site"], words["pf_col_site"]),
        (words["pf_col_city"], words["pf_col_city"]),
        (words["pf_short_observed"], fill_text(words["pf_col_observed"], {"total": len(grid.criteria)}, lang)),
    ]
    if previous is not None:
        heads.append((words["pf_short_change"], fill_text(words["pf_col_change"], {"previous": str(previous)}, lang)))
    heads += [
        (words["pf_short_publics"], words["pf_col_publics"]),
        (words["pf_short_testimonies"], words["pf_col_testimonies"]),
        (words["pf_short_answered"], words["pf_col_answered"]),
    ]
    names = [label(grid, c.removeprefix("intensity_"), lang) for c in levels]
    # The levels' intensities under one heading, each column its level's number ("Int. 1" is no word).
    intensity = [
        (str(i), fill_text(words["pf_col_intensity"], {"level": name}, lang)) for i, name in enumerate(names, start=1)
    ]
    first = (words["pf_short_first"], words["pf_col_first"])
    columns = [short for short, _ in [*heads, *intensity, first]]
    groups = [""] * len(heads) + [words["pf_group_intensity"]] * len(intensity) + [""]
    said = [fill_text(words["pair"], {"label": short, "values": full}, lang) for short, full in heads[2:]]
    said += [
        fill_text(
            words["pair"], {"label": fill_text(words["pf_legend_level"], {"number": i}, lang), "values": name}, lang
        )
        for i, name in enumerate(names, start=1)
    ]
    said.append(fill_text(words["pair"], {"label": first[0], "values": first[1]}, lang))
    legend = words["pf_watch_and"].join(said)
    heads = [*heads, *intensity, first]
    rows: list[tuple[str | Markup, Sequence[str]]] = []
    for row in table.to_dict("records"):
        site = str(row["site"])
        cells = [city(site), _with_negative(str(row["observed"]), int(row["negative"]), words, lang)]
        if previous is not None:
            change = row["change"]
            cells.append(words["pf_new_site"] if pd.isna(change) else signed(change))
        cells += [str(row["publics"]), str(row["testimonies"]), f"{row['answered']}/{row['questions']}"]
        cells += [_number(row[c], lang) for c in levels]
        cells.append(str(row["first_year"]))
        rows.append((head(site), cells))
    titles = [full for _, full in heads]
    return DataTable(columns, rows, titles=titles, legend=legend, groups=groups, text_columns=(1,))  # 1: the town

"""Charts of a programme's sites, legible whether it has 5 sites or 5,000.

Each chart draws a section's table (:mod:`impact_kit.indicators.portfolio`): shares,
distributions, counts and a top N, never one mark per site. As in
:mod:`impact_kit.render.charts`, a chart function takes the data and ``ax=None``, draws on
that Axes (or the current one) and returns it, never shows, saves or sets global
style (wrap calls in :func:`impact_kit.render.charts.chart_style`); its ``*_alt`` companion
says in words what it shows. Labels come from the grid in the report's language.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from impact_kit.grid.model import Grid
from impact_kit.render.charts import (
    PALETTE,
    SMALLEST,
    THEMES,
    chars_across,
    current_axes,
    is_narrow,
    sentences,
    wrap_label,
)
from impact_kit.render.data_tables import label, percent, share, signed
from impact_kit.render.value_labels import counted, label_colour
from impact_kit.words import fill_text, join, texts

__all__ = [
    "INTENSITY_COLORS",
    "effect_share_alt",
    "effect_share_chart",
    "intensity_change_alt",
    "intensity_change_chart",
    "intensity_distribution_alt",
    "intensity_distribution_chart",
    "movers_alt",
    "movers_chart",
    "publics_heatmap",
    "publics_heatmap_alt",
]

#: Intensity 1 to 5 (light to dark blue), then "not rated" (grey).
INTENSITY_COLORS = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#bdbdbd")
#: Down, unchanged, up (Okabe & Ito's vermillion, grey, bluish green).
CHANGE_COLORS = ("#D55E00", "#bdbdbd", "#009E73")
_LABEL_MIN_SHARE = 0.06  # segments narrower than this carry no number: it would not fit


def _sites(count: int, lang: str) -> str:
    forms = texts(lang)["pf_sites"]
    return fill_text((forms["one"] if count == 1 else forms["other"]), {"count": count}, lang)


def effect_share_chart(
    shares: pd.DataFrame, grid: Grid, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Draw, per criterion, the share of sites with an observed effect, one bar per year.

    Parameters
    ----------
    shares : pandas.DataFrame
        :func:`impact_kit.indicators.portfolio.effect_shares` (``criterion``, ``year``, ``share``).
    grid : Grid
        Gives the criteria's labels.
    lang : str
        Language of the labels.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = current_axes(ax)
    words = texts(lang)
    counts = counted(shares["sites"].min()) if len(shares) else True
    table = shares.pivot(index="criterion", columns="year", values="observed" if counts else "share")
    table = table.reindex(pd.unique(shares["criterion"]))
    bases = shares.drop_duplicates("year").set_index("year")["sites"]
    years = list(table.columns)
    height = 0.8 / max(len(years), 1)
    y = np.arange(len(table.index))
    for i, year in enumerate(years):
        values = table[year].to_numpy(dtype=float) * (1 if counts else 100)
        offset = (i - (len(years) - 1) / 2) * height
        style = {"label": str(year), "color": PALETTE[i % len(PALETTE)], **kwargs}
        ax.barh(y + offset, np.nan_to_num(values), height, **style)
        if year == years[-1]:  # the report's year carries its numbers; the others are for comparison
            for row, value in zip(y, values, strict=True):
                if not np.isnan(value):
                    ax.annotate(
                        share(int(value), int(bases[year]), lang) if counts else percent(value / 100, lang),
                        (value, row + offset),
                        xytext=(3, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=SMALLEST,
                    )
    ax.set_yticks(y, [wrap_label(label(grid, c, lang), chars_across(ax, 0.4)) for c in table.index])
    ax.set_ylim(len(table.index) - 0.5, -0.5)
    if counts:
        top = int(bases.max()) if len(bases) else 1
        ax.set_xlim(0, top * (1.6 if is_narrow(ax) else 1.3))  # room for "5 sur 5" beside the longest bar
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.set_xlabel(words["pf_count_x"])
    else:
        ax.set_xlim(0, 112)
        ax.set_xticks(range(0, 101, 25))
        ax.set_xlabel(words["pf_sites_x"])
    title = words["pf_chart_counts" if counts else "pf_chart_shares"]
    ax.set_title(title, loc="left", pad=24 if len(years) > 1 else 6)
    if len(years) > 1:
        columns = min(len(years), 2) if is_narrow(ax) else len(years)
        ax.legend(ncols=columns, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=SMALLEST)
    return ax


def effect_share_alt(shares: pd.DataFrame, grid: Grid, *, lang: str = "fr") -> str:
    """Describe the effect-share chart in words, with every share."""
    words = texts(lang)
    years = sorted(shares["year"].unique())
    parts = []
    for criterion, part in shares.groupby("criterion", sort=False):
        values = [
            share(int(o), int(n), lang) if len(years) == 1 else f"{share(int(o), int(n), lang)} ({y})"
            for y, o, n in zip(part["year"], part["observed"], part["sites"], strict=True)
        ]
        parts.append(
            fill_text(
                words["pair"],
                {"label": label(grid, str(criterion), lang), "values": join(values, "comma", lang)},
                lang,
            )
        )
    return fill_text(
        words["pf_alt_shares"],
        {"total": len(parts), "years": join([str(y) for y in years], "and", lang), "values": sentences(parts)},
        lang,
    )


def _stacked(
    ax: Axes, table: pd.DataFrame, colors: tuple[str, ...], names: list[str], *, lang: str, **kwargs: Any
) -> None:
    """Draw one bar per row of ``table`` (counts), one segment per column, counts inside.

    Under 10 sites in a bar, its length is its number of sites; from 10, every bar is 100 %.
    """
    sums = table.sum(axis=1).to_numpy(dtype=float)
    by_count = counted(sums.max(initial=0))
    totals = np.where(sums == 0, 1, sums)
    left = np.zeros(len(table))
    y = np.arange(len(table))
    scale = max(float(sums.max(initial=0)), 1.0) if by_count else 100.0
    for j, column in enumerate(table.columns):
        counts = table[column].to_numpy(dtype=float)
        widths = counts if by_count else counts / totals * 100
        style = {"color": colors[j], "label": names[j], "edgecolor": "white", "linewidth": 0.5, **kwargs}
        ax.barh(y, widths, left=left, **style)
        for row in np.nonzero(widths >= _LABEL_MIN_SHARE * scale)[0]:
            ax.text(
                left[row] + widths[row] / 2,
                float(row),
                str(int(counts[row])),
                ha="center",
                va="center",
                fontsize=SMALLEST,
                color=label_colour(colors[j]),
            )
        left += widths
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(0, scale)
    if by_count:
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    else:
        ax.set_xticks(range(0, 101, 25))
    ax.set_xlabel(texts(lang)["pf_count_x" if by_count else "pf_sites_x"])
    # A phone's legend: as many a line as fit in about 26 characters.
    columns = max(1, min(len(names), 26 // max(map(len, names)))) if is_narrow(ax) else len(names)
    ax.legend(ncols=columns, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=SMALLEST, handlelength=1)


def _distribution_wide(distribution: pd.DataFrame) -> pd.DataFrame:
    """Levels x (1, 2, 3, 4, 5, not rated) counts."""
    frame = distribution.assign(intensity=distribution["intensity"].astype("Int64").astype("string").fillna("-"))
    table = frame.pivot(index="level", columns="intensity", values="sites")
    return table.reindex(index=pd.unique(distribution["level"]), columns=["1", "2", "3", "4", "5", "-"]).fillna(0)


def intensity_distribution_chart(
    distribution: pd.DataFrame, grid: Grid, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Draw, per level, how the sites rated its intensity: one 100 % bar, a segment per rating.

    Parameters
    ----------
    distribution : pandas.DataFrame
        :func:`impact_kit.indicators.portfolio.intensity_distribution`.
    """
    ax = current_axes(ax)
    words = texts(lang)
    table = _distribution_wide(distribution)
    _stacked(ax, table, INTENSITY_COLORS, ["1", "2", "3", "4", "5", words["pf_not_rated"]], lang=lang, **kwargs)
    ax.set_yticks(
        np.arange(len(table)), [wrap_label(label(grid, lv, lang), chars_across(ax, 0.3)) for lv in table.index]
    )
    ax.set_title(words["pf_chart_intensity"], loc="left", pad=24)
    return ax


def intensity_distribution_alt(distribution: pd.DataFrame, grid: Grid, *, year: int, lang: str = "fr") -> str:
    """Describe the intensity distribution in words: per level, how many sites gave each rating."""
    words = texts(lang)
    table = _distribution_wide(distribution)
    parts = []
    for level, row in table.iterrows():
        values = [
            fill_text(
                words["pair"],
                {"label": f"{key}/5" if key != "-" else words["pf_not_rated"], "values": _sites(int(n), lang)},
                lang,
            )
            for key, n in row.items()
            if n
        ]
        parts.append(
            fill_text(
                words["pair"], {"label": label(grid, str(level), lang), "values": join(values, "comma", lang)}, lang
            )
        )
    sites = int(table.sum(axis=1).max()) if len(table) else 0
    return fill_text(
        words["pf_alt_intensity"], {"sites": _sites(sites, lang), "year": year, "values": sentences(parts)}, lang
    )


def _change_wide(change: pd.DataFrame) -> pd.DataFrame:
    """Levels x (down, unchanged, up) counts."""
    direction = np.sign(change["change"]).map({-1: "down", 0: "same", 1: "up"})
    table = change.assign(direction=direction).pivot_table(
        index="level", columns="direction", values="sites", aggfunc="sum", sort=False
    )
    return table.reindex(columns=["down", "same", "up"]).fillna(0).astype("int64")


def intensity_change_chart(
    change: pd.DataFrame, grid: Grid, *, previous: int, lang: str = "fr", ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Draw, per level, the share of sites whose intensity went down, stayed, or went up.

    Parameters
    ----------
    change : pandas.DataFrame
        :func:`impact_kit.indicators.portfolio.intensity_change`.
    previous : int
        The year compared with (for the title).
    """
    ax = current_axes(ax)
    words = texts(lang)
    table = _change_wide(change)
    _stacked(ax, table, CHANGE_COLORS, [words["pf_down"], words["pf_same"], words["pf_up"]], lang=lang, **kwargs)
    ax.set_yticks(
        np.arange(len(table)), [wrap_label(label(grid, lv, lang), chars_across(ax, 0.3)) for lv in table.index]
    )
    ax.set_title(fill_text(words["pf_chart_change"], {"previous": previous}, lang), loc="left", pad=24)
    return ax


def intensity_change_alt(change: pd.DataFrame, grid: Grid, *, previous: int, year: int, lang: str = "fr") -> str:
    """Describe the change in intensity in words: per level, sites down, unchanged and up."""
    words = texts(lang)
    table = _change_wide(change)
    if not table.to_numpy().any():
        return fill_text(words["pf_alt_change_empty"], {"previous": previous, "year": year}, lang)
    parts = []
    for level, row in table.iterrows():
        if row.sum():
            values = [f"{_sites(int(row[key]), lang)} {words['pf_' + key]}" for key in ("down", "same", "up")]
            parts.append(
                fill_text(
                    words["pair"],
                    {"label": label(grid, str(level), lang), "values": join(values, "comma", lang)},
                    lang,
                )
            )
    return fill_text(words["pf_alt_change"], {"previous": previous, "year": year, "values": sentences(parts)}, lang)


def _publics_wide(reach: pd.DataFrame) -> pd.DataFrame:
    table = reach.pivot(index="public", columns="criterion", values="sites")
    return table.reindex(index=pd.unique(reach["public"]), columns=pd.unique(reach["criterion"])).fillna(0)


def publics_heatmap(
    reach: pd.DataFrame, grid: Grid, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Draw publics (rows) x criteria (columns) as coloured cells holding the number of sites.

    On a phone's drawing (see :data:`~impact_kit.render.charts.NARROW`) the table turns:
    criteria as rows, publics as columns, whose names stand upright.

    Parameters
    ----------
    reach : pandas.DataFrame
        :func:`impact_kit.indicators.portfolio.publics_reach`.
    """
    ax = current_axes(ax)
    narrow = is_narrow(ax)
    table = _publics_wide(reach).T if narrow else _publics_wide(reach)
    values = table.to_numpy(dtype=float)
    top = values.max(initial=0) or 1
    # Vector cells (not imshow's embedded bitmap): crisp at any zoom and printed as drawn.
    # A zero is no colour at all (the page's background, in either theme): no white cell glares on a dark page.
    cmap = mpl.colormaps["Blues"]
    ax.pcolormesh(
        np.ma.masked_equal(values, 0),
        **{"cmap": cmap, "vmin": 0, "vmax": top, "edgecolors": "white", "linewidth": 0.5, **kwargs},
    )
    ax.set_ylim(len(table.index), 0)
    for (row, col), count in np.ndenumerate(values):
        # On a cell, the colour that reads on it; on no cell (0), the page's muted text (a dark page recolours it).
        color = label_colour(cmap(count / top)) if count else THEMES["light"]["muted"]
        ax.text(col + 0.5, row + 0.5, str(int(count)), ha="center", va="center", fontsize=SMALLEST, color=color)
    width = 24 if narrow else chars_across(ax, 0.75 / max(len(table.columns), 1))
    ax.set_xticks(
        np.arange(len(table.columns)) + 0.5,
        [wrap_label(label(grid, c, lang), width) for c in table.columns],
        rotation=90 if narrow else 0,
    )
    ax.set_yticks(
        np.arange(len(table.index)) + 0.5,
        [wrap_label(label(grid, p, lang), chars_across(ax, 0.4 if narrow else 0.3)) for p in table.index],
    )
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(texts(lang)["pf_chart_publics"], loc="left", pad=36)
    return ax


def publics_heatmap_alt(reach: pd.DataFrame, grid: Grid, *, sites: int, year: int, lang: str = "fr") -> str:
    """Describe the publics table in words: per criterion, each public and its number of sites.

    ``sites`` is the number of sites reporting in ``year``.
    """
    words = texts(lang)
    table = _publics_wide(reach)
    if not table.to_numpy().any():
        return fill_text(words["pf_alt_publics_empty"], {"year": year}, lang)
    parts = []
    for criterion in table.columns:
        column = table[criterion].sort_values(ascending=False, kind="stable")
        values = [f"{label(grid, str(p), lang)} ({int(n)})" for p, n in column.items() if n]
        if values:
            parts.append(
                fill_text(
                    words["pair"], {"label": label(grid, criterion, lang), "values": join(values, "comma", lang)}, lang
                )
            )
    return fill_text(words["pf_alt_publics"], {"sites": sites, "year": year, "values": sentences(parts)}, lang)


#: Control characters (Unicode category Cc): no font has a glyph for them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _moverlabel(movers: pd.DataFrame) -> list[str]:
    """Return each site's name for its bar; a control character (validate takes it, no font draws it) is U+FFFD."""
    if "name" in movers:
        names = [
            str(n) if pd.notna(n) and str(n) else str(s) for n, s in zip(movers["name"], movers["site"], strict=True)
        ]
    else:
        names = [str(s) for s in movers["site"]]
    return [_CONTROL.sub("\ufffd", name) for name in names]


def movers_chart(
    movers: pd.DataFrame, *, previous: int, lang: str = "fr", ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Draw the sites whose number of criteria with an effect grew or shrank most, as bars from zero.

    Parameters
    ----------
    movers : pandas.DataFrame
        :func:`impact_kit.indicators.portfolio.effect_movers` (a top N: the chart has
        at most 2 N bars, whatever the number of sites).
    previous : int
        The year compared with (for the title).
    """
    ax = current_axes(ax)
    words = texts(lang)
    y = np.arange(len(movers))
    change = movers["change"].to_numpy(dtype=float)
    colors = [CHANGE_COLORS[2] if c > 0 else CHANGE_COLORS[0] for c in change]
    ax.barh(y, change, **{"color": colors, **kwargs})
    for row, (c, before, after) in enumerate(zip(change, movers["before"], movers["after"], strict=True)):
        ax.annotate(
            f"{signed(c)} ({before} → {after})",
            (c, row),
            xytext=(3 if c > 0 else -3, 0),
            textcoords="offset points",
            ha="left" if c > 0 else "right",
            va="center",
            fontsize=SMALLEST,
        )
    # A site's whole name, on up to 4 lines (never cut to "Cœur de…" on a phone); only a longer one is shortened.
    width = max(chars_across(ax, 0.35), 12)
    names = [
        "\n".join(textwrap.wrap(n, width, max_lines=4, placeholder="…", break_on_hyphens=False))
        for n in _moverlabel(movers)
    ]
    ax.set_yticks(y, names)
    ax.set_ylim(max(len(movers), 1) - 0.5, -0.5)
    reach = max(float(np.abs(change).max(initial=0)), 1.0)
    span = reach * (3.0 if is_narrow(ax) else 1.5)  # room for "+4 (1 → 5)" beside the longest bars
    ax.set_xlim(-span, span)
    ax.axvline(0, color=THEMES["light"]["muted"], linewidth=0.8)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(nbins=4 if is_narrow(ax) else "auto", integer=True))
    ax.set_xlabel(wrap_label(words["pf_movers_x"], chars_across(ax, 0.7)))
    ax.set_title(fill_text(words["pf_chart_movers"], {"previous": previous}, lang), loc="left")
    return ax


def movers_alt(movers: pd.DataFrame, *, previous: int, year: int, lang: str = "fr") -> str:
    """Describe the movers chart in words: each site, its change, and its counts both years."""
    words = texts(lang)
    if movers.empty:
        return fill_text(words["pf_alt_movers_empty"], {"previous": previous, "year": year}, lang)
    values = [
        fill_text(words["pf_mover"], {"site": label, "change": signed(c), "before": b, "after": a}, lang)
        for label, c, b, a in zip(_moverlabel(movers), movers["change"], movers["before"], movers["after"], strict=True)
    ]
    return fill_text(
        words["pf_alt_movers"],
        {"count": len(movers), "previous": previous, "year": year, "values": sentences(values)},
        lang,
    )

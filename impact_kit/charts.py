"""Charts of a site's effects, drawn with matplotlib.

Each chart function takes a table from :mod:`impact_kit.indicators` and ``ax=None``,
draws on that Axes (or the current one) and returns it; it never shows or saves, and
passes ``**kwargs`` on to the matplotlib call that draws its marks, as seaborn does.
Style is scoped with :func:`chart_style`, never set globally. Each chart has an
``*_alt`` companion that says in words what the chart shows for this site: the
alt text a reader without sight, or without images, gets.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes

from impact_kit.words import fill_text, format_number, join, texts

__all__ = [
    "PALETTE",
    "chart_style",
    "coverage_alt",
    "coverage_chart",
    "effects_alt",
    "effects_chart",
    "intensity_alt",
    "intensity_chart",
    "publics_alt",
    "publics_chart",
]

_F = TypeVar("_F", bound=Callable[..., Any])

#: Okabe & Ito's colour-blind-safe palette (black left out; it is the text colour).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")

_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.edgecolor": "#444444",
    "axes.labelcolor": "#222222",
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "legend.frameon": False,
    "figure.dpi": 100,
    "svg.fonttype": "path",  # the same glyphs on every screen and printer, no font needed
    "svg.hashsalt": "impact_kit",  # stable ids: the same data gives the same file
}


#: Docstring fragments shared by the chart functions (``{lang}``, ``{ax}``, ``{kwargs}``, ``{returns}``).
_DOCS = {
    "lang": "lang : str\n        Language of the title and axis labels (``fr`` or ``en``).",
    "ax": "ax : matplotlib.axes.Axes, optional\n        Where to draw; the current Axes by default.",
    "kwargs": "**kwargs\n        Passed to the matplotlib call that draws the marks ({call}).",
    "returns": "Returns\n    -------\n    matplotlib.axes.Axes\n        The Axes drawn on.",
}


def _document(call: str) -> Callable[[_F], _F]:
    """Fill a chart function's docstring with the shared fragments."""

    def decorate(function: _F) -> _F:
        fragments = {**_DOCS, "kwargs": _DOCS["kwargs"].format(call=call)}
        function.__doc__ = (function.__doc__ or "").format(**fragments)
        return function

    return decorate


@contextmanager
def chart_style() -> Iterator[None]:
    """Apply the kit's chart style inside a ``with`` block only."""
    with mpl.rc_context(_STYLE):  # type: ignore[arg-type]
        yield


def _wrap(label: str, width: int = 18) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only here: pyplot is slow to import and picks a backend

    return plt.gca()


def _grouped_bars(ax: Axes, table: pd.DataFrame, lang: str, *, unit: str = "", **kwargs: Any) -> None:
    """Draw one group of bars per row of ``table`` and one bar per column (a year), values on top."""
    years = list(table.columns)
    width = 0.8 / max(len(years), 1)
    x = np.arange(len(table.index))
    for i, year in enumerate(years):
        values = table[year].to_numpy(dtype=float)
        offset = (i - (len(years) - 1) / 2) * width
        style = {"label": str(year), "color": PALETTE[i % len(PALETTE)], **kwargs}
        bars = ax.bar(x + offset, np.nan_to_num(values), width, **style)
        for bar, value in zip(bars, values, strict=True):
            if not np.isnan(value):
                ax.annotate(
                    format_number(value, lang) + unit,
                    (bar.get_x() + bar.get_width() / 2, value),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
    ax.set_xticks(x, [_wrap(str(label), 16) for label in table.index])
    if len(years) > 1:
        ax.legend(ncols=len(years), loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=9)


@_document("Axes.bar")
def intensity_chart(table: pd.DataFrame, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw the intensity (1-5) of each level as bars, one per year.

    Parameters
    ----------
    table : pandas.DataFrame
        Levels as rows, years as columns (:func:`impact_kit.indicators.intensity_table`).
    {lang}
    {ax}
    {kwargs}

    {returns}
    """
    ax = _axes(ax)
    words = texts(lang)
    _grouped_bars(ax, table, lang, **kwargs)
    ax.set_ylim(0, 5.4)
    ax.set_yticks(range(6))
    ax.set_ylabel(words["chart_intensity_y"])
    ax.set_title(words["chart_intensity"], pad=24 if len(table.columns) > 1 else 6, loc="left")
    return ax


def intensity_alt(table: pd.DataFrame, *, lang: str = "fr") -> str:
    """Describe the intensity chart in words, with every value."""
    years, values = _per_year(table, lambda v: _value(v, lang), lang)
    return fill_text(texts(lang)["alt_intensity"], {"years": years, "values": values}, lang)


def _per_year(table: pd.DataFrame, show: Callable[[float], str], lang: str) -> tuple[str, str]:
    """Say a groups (rows) x years (columns) table: the years, then "group: value (year), ...; ...".

    The years are left out of the values when there is only one.
    """
    words = texts(lang)
    years = [str(y) for y in table.columns]
    parts = []
    for label, row in table.iterrows():
        values = [show(v) if len(years) == 1 else f"{show(v)} ({year})" for year, v in zip(years, row, strict=True)]
        parts.append(fill_text(words["pair"], {"label": str(label), "values": join(values, "comma", lang)}, lang))
    return join(years, "and", lang), _sentences(parts)


def _value(value: float, lang: str) -> str:
    return texts(lang)["not_rated"] if pd.isna(value) else f"{format_number(value, lang)}/5"


def _sentences(parts: list[str]) -> str:
    return "; ".join(parts) + "." if parts else ""


@_document("Axes.scatter")
def publics_chart(matrix: pd.DataFrame, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw which publics (rows) took part in which criteria (columns) as a dot matrix.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Booleans, publics as rows and criteria as columns
        (:func:`impact_kit.indicators.publics_matrix`).
    {lang}
    {ax}
    {kwargs}

    {returns}
    """
    ax = _axes(ax)
    rows, cols = np.nonzero(matrix.to_numpy(dtype=bool))
    ax.scatter(cols, rows, **{"s": 220, "color": PALETTE[0], "zorder": 3, **kwargs})
    ax.set_xticks(range(len(matrix.columns)), [_wrap(str(c), 14) for c in matrix.columns])
    ax.set_yticks(range(len(matrix.index)), [str(i) for i in matrix.index])
    ax.set_xlim(-0.5, len(matrix.columns) - 0.5)
    ax.set_ylim(len(matrix.index) - 0.5, -0.5)
    ax.grid(True, color="#dddddd", zorder=0)
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.xaxis.tick_top()
    ax.set_title(texts(lang)["chart_publics"], pad=36, loc="left")
    return ax


def publics_alt(matrix: pd.DataFrame, *, year: int, lang: str = "fr") -> str:
    """Describe the publics matrix in words: which publics took part in each criterion."""
    words = texts(lang)
    parts = [
        fill_text(words["pair"], {"label": str(criterion), "values": list(matrix.index[matrix[criterion]])}, lang)
        for criterion in matrix.columns
        if matrix[criterion].any()
    ]
    if not parts:
        return fill_text(words["alt_publics_empty"], {"year": year}, lang)
    return fill_text(words["alt_publics"], {"year": year, "values": _sentences(parts)}, lang)


@_document("Axes.bar")
def effects_chart(table: pd.DataFrame, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw, per level, how many criteria show observed effects, one bar per year.

    Parameters
    ----------
    table : pandas.DataFrame
        Years as rows, levels as columns (:func:`impact_kit.indicators.effects_table`).
    {lang}
    {ax}
    {kwargs}

    {returns}
    """
    ax = _axes(ax)
    words = texts(lang)
    _grouped_bars(ax, table.T, lang, **kwargs)
    top = int(table.to_numpy().max()) if table.size else 0
    ax.set_ylim(0, max(top, 4) + 0.6)
    ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(words["chart_effects_y"])
    ax.set_title(words["chart_effects"], pad=24 if len(table.index) > 1 else 6, loc="left")
    return ax


def effects_alt(table: pd.DataFrame, *, lang: str = "fr") -> str:
    """Describe the effects-per-level chart in words, with every count."""
    years, values = _per_year(table.T, lambda n: str(int(n)), lang)
    return fill_text(texts(lang)["alt_effects"], {"years": years, "values": values}, lang)


@_document("Axes.barh")
def coverage_chart(table: pd.DataFrame, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw the share of each criterion's questions that were answered, coloured by level.

    Parameters
    ----------
    table : pandas.DataFrame
        Criteria as rows with ``share`` and ``level`` columns
        (:func:`impact_kit.indicators.coverage_table`).
    {lang}
    {ax}
    {kwargs}

    {returns}
    """
    ax = _axes(ax)
    words = texts(lang)
    levels = list(dict.fromkeys(table["level"]))
    colors = [PALETTE[levels.index(level) % len(PALETTE)] for level in table["level"]]
    y = np.arange(len(table))
    ax.barh(y, table["share"] * 100, **{"color": colors, **kwargs})
    for i, (share, answered, total) in enumerate(zip(table["share"], table["answered"], table["total"], strict=True)):
        ax.annotate(
            f"{answered}/{total}", (share * 100, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
        )
    ax.set_yticks(y, [_wrap(str(c), 34) for c in table.index])
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(0, 110)
    ax.set_xticks(range(0, 101, 25))
    ax.set_xlabel(words["chart_coverage_x"])
    ax.set_title(words["chart_coverage"], loc="left")
    handles = [mpl.patches.Patch(color=PALETTE[i % len(PALETTE)], label=level) for i, level in enumerate(levels)]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    return ax


def coverage_alt(table: pd.DataFrame, *, year: int, lang: str = "fr") -> str:
    """Describe the coverage chart: criteria fully, partly and not answered."""
    words = texts(lang)
    full = list(table.index[table["share"] >= 1])
    partly = list(table.index[(table["share"] > 0) & (table["share"] < 1)])
    none = list(table.index[table["share"] == 0])
    parts = [
        fill_text(words[key], {"criteria": [str(i) for i in items]}, lang)
        for key, items in (("fully_covered", full), ("partly_covered", partly), ("not_covered", none))
        if items
    ]
    return fill_text(words["alt_coverage"], {"total": len(table), "year": year, "values": " ".join(parts)}, lang)

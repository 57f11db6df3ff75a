"""Charts of a site's effects, drawn with matplotlib.

Each chart function takes a table from :mod:`impact_kit.indicators.site` and ``ax=None``,
draws on that Axes (or the current one) and returns it; it never shows or saves, and
passes ``**kwargs`` on to the matplotlib call that draws its marks, as seaborn does.
Style is scoped with :func:`chart_style`, never set globally. Each chart has an
``*_alt`` companion that says in words what the chart shows for this site: the
alt text a reader without sight, or without images, gets (:mod:`impact_kit.render.figures`
puts a chart on the page, with its figures as a table).

Colours: :data:`PALETTE` for marks, :data:`THEMES` for text, axes and background;
each mark has 3:1 and each text 4.5:1 against both the light and the dark background.
A figure narrower than :data:`NARROW` inches (a phone's) lays its bars down.
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

from impact_kit.render.fit import legend_height
from impact_kit.words import fill_text, format_number, join, texts

__all__ = ["LAYERS", "NARROW", "PALETTE", "SMALLEST", "THEMES", "chars_across", "chart_style",
           "coverage_alt", "coverage_chart", "current_axes", "effects_alt", "effects_chart", "intensity_alt",
           "intensity_chart", "is_narrow", "publics_alt", "publics_chart", "sentences", "wrap_label"]  # fmt: skip

_F = TypeVar("_F", bound=Callable[..., Any])

#: Colours of bars and dots: Okabe & Ito's colour-blind-safe hues (blue, vermillion, bluish green,
#: reddish purple, the last darkened) that keep 3:1 against both backgrounds of :data:`THEMES`
#: (WCAG 1.4.11); their orange, sky blue and yellow cannot (2.3:1, 2.3:1, 1.3:1 on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#B4548A")

#: The page's colours in light and dark mode (``report.css`` declares the same, as
#: ``--ik-<name>``): charts are drawn in the light ones, which :func:`inline_svg` turns into
#: CSS variables so that a dark page recolours its charts. Text has 4.5:1 against the background.
THEMES = {
    "light": {"background": "#ffffff", "text": "#1f2328", "muted": "#57606a", "rule": "#d0d7de"},
    "dark": {"background": "#16191d", "text": "#e6edf3", "muted": "#9aa4ae", "rule": "#3d444d"},
}
_LIGHT = THEMES["light"]

#: Smallest text in a chart, in points: 12 CSS px when the figure is shown at its own size.
SMALLEST = 9

_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.edgecolor": _LIGHT["muted"],
    "axes.labelcolor": _LIGHT["text"],
    "axes.titlecolor": _LIGHT["text"],
    "text.color": _LIGHT["text"],
    "xtick.color": _LIGHT["muted"],
    "ytick.color": _LIGHT["muted"],
    "xtick.labelcolor": _LIGHT["text"],
    "ytick.labelcolor": _LIGHT["text"],
    "legend.frameon": False,
    "figure.dpi": 100,
    "svg.fonttype": "none",  # real text: found by the browser's search, read at any zoom
    "svg.hashsalt": "impact_kit",  # stable ids: the same data gives the same file
    # Names, labels and keywords are drawn as written: "5$ et 10$" is not math, "$\\foo$" no error.
    "text.parse_math": False,
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
    """Apply the kit's chart style inside a ``with`` block only.

    Interactive mode is left as the block leaves it: in Jupyter, the first pyplot figure
    (drawn inside) loads the inline backend, which turns it on; restoring it would keep
    every later figure from showing.
    """
    with mpl.rc_context(_STYLE):  # type: ignore[arg-type]
        yield
        interactive = mpl.is_interactive()
    mpl.interactive(interactive)


def wrap_label(label: str, width: int = 18) -> str:
    """Return ``label`` on lines of at most ``width`` characters (at least 6), never breaking a word."""
    return "\n".join(textwrap.wrap(label, max(width, 6), break_long_words=False)) or label


#: Below this figure width (inches), grouped bars are drawn horizontally: each label gets its own line.
NARROW = 4.5


def is_narrow(ax: Axes) -> bool:
    """Return whether the Axes' figure is a phone's drawing (narrower than :data:`NARROW` inches)."""
    return bool(ax.get_figure().get_figwidth() < NARROW)  # type: ignore[union-attr]


def chars_across(ax: Axes, share: float) -> int:
    """How many characters of tick text fit in ``share`` of the figure's width (DejaVu Sans: ~0.6 em each)."""
    points = ax.get_figure().get_figwidth() * 72 * share  # type: ignore[union-attr]
    return int(points / (0.6 * mpl.rcParams["font.size"]))


def current_axes(ax: Axes | None) -> Axes:
    """Return ``ax``, or the current Axes of pyplot (as seaborn does) when it is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only here: pyplot is slow to import and picks a backend

    return plt.gca()


#: A value at its bar's end, which the frame's limits always hold: drawn without matplotlib's
#: check that its point lies in the Axes (3 transforms of the point a drawing).
_VALUE: dict[str, Any] = {"textcoords": "offset points", "fontsize": SMALLEST, "annotation_clip": False}


def _bars(ax: Axes, table: pd.DataFrame, lang: str, *, unit: str = "", hatched: Any = (), **kwargs: Any) -> None:
    """Draw one group of bars per row of ``table`` and one bar per column (a year), values at their end.

    The bars stand on a wide figure and lie on a narrow one (see :data:`NARROW`); the columns
    named in ``hatched`` are drawn with a pattern too (a difference not told by colour alone).
    """
    flat = is_narrow(ax)
    years = list(table.columns)
    width = 0.8 / max(len(years), 1)
    x = np.arange(len(table.index))
    for i, year in enumerate(years):
        values = table[year].to_numpy(dtype=float)
        offset = (i - (len(years) - 1) / 2) * width
        step = 2 if len(hatched) else 1  # each year's negative bar, hatched, follows its positive one in its colour
        key = table.attrs.get("legend", {}).get(year, year)
        style: dict[str, Any] = {"label": str(key), "color": PALETTE[(i // step) % len(PALETTE)], "hatch": None}
        if year in hatched:  # one legend key stands for every hatched bar (see _bar_frame)
            style |= {"label": f"_{year}", "hatch": "///", "edgecolor": "white", "linewidth": 0}
        style |= kwargs
        draw = ax.barh if flat else ax.bar
        bars = draw(x + offset, np.nan_to_num(values), width, **style)
        for bar, value in zip(bars, values, strict=True):
            if np.isnan(value):
                continue
            text = format_number(value, lang) + unit
            if flat:
                at, shift, align = (value, bar.get_y() + bar.get_height() / 2), (3, 0), {"va": "center"}
            else:
                at, shift, align = (bar.get_x() + bar.get_width() / 2, value), (0, 2), {"ha": "center", "va": "bottom"}
            ax.annotate(text, at, xytext=shift, **_VALUE, **align)  # type: ignore[arg-type]


def _bar_frame(ax: Axes, table: pd.DataFrame) -> bool:
    """Label the groups of :func:`_bars` and add the years' legend; return whether the bars lie.

    So that the caller labels the value axis (x or y) accordingly.
    """
    flat = is_narrow(ax)
    x = np.arange(len(table.index))
    if flat:
        ax.set_yticks(x, [wrap_label(str(label), chars_across(ax, 0.4)) for label in table.index])
        ax.set_ylim(len(table.index) - 0.5, -0.5)
    else:
        ax.set_xticks(x, [wrap_label(str(label), chars_across(ax, 0.85 / max(len(x), 1))) for label in table.index])
    handles = ax.get_legend_handles_labels()[0]
    if table.attrs.get("hatch_label"):  # negative effects: told apart by the pattern, not by a colour
        label = wrap_label(table.attrs["hatch_label"], chars_across(ax, 0.4)) if flat else table.attrs["hatch_label"]
        key: dict[str, Any] = {"facecolor": "none", "edgecolor": "#767676", "hatch": "///", "label": label}
        handles.append(mpl.patches.Patch(**key))
    if len(handles) > 1:
        columns = min(len(handles), 2) if flat else len(handles)  # a phone's legend: two keys a line
        ax.legend(handles=handles, ncols=columns, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=SMALLEST)
    return flat


def _value_axis(ax: Axes, flat: bool, top: float, ticks: Any, label: str) -> None:
    """Set the limits, ticks and label of the axis that carries the values (y, or x when the bars lie)."""
    if flat:
        ax.set_xlim(0, top)
        ax.set_xticks(ticks)
        ax.set_xlabel(wrap_label(label, chars_across(ax, 0.5)))
    else:
        ax.set_ylim(0, top)
        ax.set_yticks(ticks)
        ax.set_ylabel(label)


@_document("Axes.bar")
def intensity_chart(table: pd.DataFrame, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw the intensity (1-5) of each level as bars, one per year.

    Parameters
    ----------
    table : pandas.DataFrame
        Levels as rows, years as columns (:func:`impact_kit.indicators.site.intensity_table`).
    {lang}
    {ax}
    {kwargs}

    {returns}
    """
    ax = current_axes(ax)
    _bars(ax, table, lang, **kwargs)
    _intensity_frame(ax, table, lang)
    return ax


def _intensity_frame(ax: Axes, table: pd.DataFrame, lang: str) -> None:
    words = texts(lang)
    _value_axis(ax, _bar_frame(ax, table), 5.4, range(6), words["chart_intensity_y"])
    ax.set_title(words["chart_intensity"], pad=24 if len(table.columns) > 1 else 6, loc="left")


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
    return join(years, "and", lang), sentences(parts)


def _value(value: float, lang: str) -> str:
    return texts(lang)["not_rated"] if pd.isna(value) else f"{format_number(value, lang)}/5"


def sentences(parts: list[str]) -> str:
    """Return the parts of an alt text as one sentence: "a; b; c." (empty if there are none)."""
    return "; ".join(parts) + "." if parts else ""


@_document("Axes.scatter")
def publics_chart(matrix: pd.DataFrame, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw which publics (rows) took part in which criteria (columns) as a dot matrix.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Booleans, publics as rows and criteria as columns
        (:func:`impact_kit.indicators.site.publics_matrix`).
    {lang}
    {ax}
    {kwargs}

    {returns}
    """
    ax = current_axes(ax)
    _dots(ax, matrix, lang, **kwargs)
    _publics_frame(ax, matrix, lang)
    return ax


def _dots(ax: Axes, matrix: pd.DataFrame, lang: str, **kwargs: Any) -> None:
    rows, cols = np.nonzero(matrix.to_numpy(dtype=bool))
    ax.scatter(cols, rows, **{"s": 220, "color": PALETTE[0], "zorder": 3, **kwargs})


def _publics_frame(ax: Axes, matrix: pd.DataFrame, lang: str) -> None:
    ax.set_xticks(
        range(len(matrix.columns)),
        [wrap_label(str(c), chars_across(ax, 0.6 / max(matrix.shape[1], 1))) for c in matrix.columns],
    )
    ax.set_yticks(range(len(matrix.index)), [wrap_label(str(i), chars_across(ax, 0.4)) for i in matrix.index])
    ax.set_xlim(-0.5, len(matrix.columns) - 0.5)
    ax.set_ylim(len(matrix.index) - 0.5, -0.5)
    ax.grid(True, color=_LIGHT["rule"], zorder=0)
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.xaxis.tick_top()
    ax.set_title(texts(lang)["chart_publics"], pad=36, loc="left")


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
    return fill_text(words["alt_publics"], {"year": year, "values": sentences(parts)}, lang)


@_document("Axes.bar")
def effects_chart(table: pd.DataFrame, *, lang: str = "fr", ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw, per level, how many criteria show effects, one bar per year (and per direction, if any is negative).

    Parameters
    ----------
    table : pandas.DataFrame
        Years as rows, levels as columns, negative rows in ``attrs["hatched"]``
        (:func:`impact_kit.render.figures.effects_rows`).
    {lang}
    {ax}
    {kwargs}

    {returns}
    """
    ax = current_axes(ax)
    _bars(ax, table.T, lang, hatched=table.attrs.get("hatched", ()), **kwargs)
    _effects_frame(ax, table, lang)
    return ax


def _effects_top(table: pd.DataFrame) -> int:
    return max(int(table.to_numpy().max()) if table.size else 0, 4)


def _effects_frame(ax: Axes, table: pd.DataFrame, lang: str) -> None:
    words = texts(lang)
    top = _effects_top(table)
    _value_axis(ax, _bar_frame(ax, table.T), top + 0.6, range(top + 1), words["chart_effects_y"])
    ax.set_title(words["chart_effects"], pad=24 if len(table.index) > 1 else 6, loc="left")


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
        (:func:`impact_kit.indicators.site.coverage_table`).
    {lang}
    {ax}
    {kwargs}

    {returns}
    """
    ax = current_axes(ax)
    _shares(ax, table, lang, **kwargs)
    _coverage_frame(ax, table, lang)
    return ax


def _shares(ax: Axes, table: pd.DataFrame, lang: str, **kwargs: Any) -> None:
    levels = list(dict.fromkeys(table["level"]))
    colors = [PALETTE[levels.index(level) % len(PALETTE)] for level in table["level"]]
    ax.barh(np.arange(len(table)), table["share"] * 100, **{"color": colors, **kwargs})
    for i, (share, answered, total) in enumerate(zip(table["share"], table["answered"], table["total"], strict=True)):
        ax.annotate(f"{answered}/{total}", (share * 100, i), xytext=(3, 0), va="center", **_VALUE)


def _coverage_frame(ax: Axes, table: pd.DataFrame, lang: str) -> None:
    words = texts(lang)
    levels = list(dict.fromkeys(table["level"]))
    ax.set_yticks(np.arange(len(table)), [wrap_label(str(c), chars_across(ax, 0.42)) for c in table.index])
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(0, 118 if is_narrow(ax) else 110)  # room for "12/12" after a full bar
    ax.set_xticks(range(0, 101, 50 if is_narrow(ax) else 25))
    ax.set_xlabel(
        wrap_label(words["chart_coverage_x"], chars_across(ax, 0.5)) if is_narrow(ax) else words["chart_coverage_x"]
    )
    handles = [
        mpl.patches.Patch(
            color=PALETTE[i % len(PALETTE)],
            label=wrap_label(str(level), chars_across(ax, 0.45 if is_narrow(ax) else 0.35)),
        )
        for i, level in enumerate(levels)
    ]
    columns = 1 if is_narrow(ax) else 2
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=columns, fontsize=SMALLEST)
    # The legend sits above the Axes, where the title goes: the title goes above the legend.
    pad = legend_height([str(handle.get_label()) for handle in handles], columns, SMALLEST)
    ax.set_title(words["chart_coverage"], loc="left", pad=pad)


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


#: Each chart as its two layers, for :mod:`impact_kit.render.frames`: its marks (the bars, dots and
#: values of one report), its frame (all else: ticks, labels, limits, legend, title) and what the
#: frame depends on besides the language, the figure's size and the style. Marks then frame is
#: the chart function.
LAYERS: dict[str, tuple[Callable[..., None], Callable[..., None], Callable[[pd.DataFrame], tuple]]] = {
    "intensity": (_bars, _intensity_frame, lambda t: (tuple(t.index), tuple(t.columns))),
    "publics": (_dots, _publics_frame, lambda t: (tuple(t.index), tuple(t.columns))),
    "effects": (
        lambda ax, t, lang: _bars(ax, t.T, lang, hatched=t.attrs.get("hatched", ())),
        _effects_frame,
        lambda t: (tuple(t.index), tuple(t.columns), _effects_top(t)),
    ),
    "coverage": (_shares, _coverage_frame, lambda t: (tuple(t.index), tuple(t["level"]))),
}

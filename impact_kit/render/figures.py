"""A chart as a figure of the page: inline SVG, a numbered caption, its figures as a table and a CSV.

:func:`inline_svg` turns a drawn matplotlib figure into SVG for the page itself: real
text (the browser's find sees it, a screen reader gets the alt text), the page's colours
as CSS variables (a dark page recolours it), ids of its own. The ``*_data`` functions give
the figures behind each chart of :mod:`impact_kit.render.charts` as a table: the report shows it
in a ``<details>`` and offers it as CSV in a ``data:`` URI (no network). :func:`figure_html`
puts it all together.
"""

from __future__ import annotations

import base64
import io
import math
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from impact_kit.data.safe_csv import neutralise
from impact_kit.render.charts import THEMES, chart_style
from impact_kit.render.data_tables import DataTable
from impact_kit.render.fit import EDGE, SVGCanvas, fit_axes
from impact_kit.render.markup import Html, render
from impact_kit.words import fill_text, format_number, texts

__all__ = [
    "coverage_data",
    "csv_data_uri",
    "data_table",
    "effects_data",
    "figure_html",
    "inline_svg",
    "intensity_data",
    "publics_data",
    "table_frame",
]


def intensity_data(table: pd.DataFrame, *, lang: str = "fr") -> pd.DataFrame:
    """Return the figures of the intensity chart: levels as rows, years as columns, NaN where not rated."""
    data = table.astype(float)
    data.columns = [str(year) for year in table.columns]
    data.index = pd.Index([str(i) for i in table.index], name=texts(lang)["table_level"])
    return data


def publics_data(matrix: pd.DataFrame, *, lang: str = "fr") -> pd.DataFrame:
    """Return the figures of the publics chart: publics as rows, criteria as columns, True where a dot is."""
    data = matrix.astype(bool)
    data.index = pd.Index([str(i) for i in matrix.index], name=texts(lang)["table_public"])
    return data


def effects_rows(table: pd.DataFrame, *, lang: str = "fr") -> pd.DataFrame:
    """Return the effects table as the chart draws it: one row per year, levels as columns.

    ``table`` is :func:`impact_kit.indicators.site.effects_table` (rows ``year, direction``).
    When a year has a negative effect, each year gets two rows, its positive and its
    negative effects, labelled in words; the negative rows are listed in ``attrs["hatched"]``,
    so that the chart tells them apart by a pattern, not only by colour.
    """
    positive = pd.DataFrame(table.xs("positive", level="direction"))
    negative = pd.DataFrame(table.xs("negative", level="direction"))
    if not negative.to_numpy().any():
        out = positive.copy()
        out.attrs["hatched"] = []
        return out
    words = texts(lang)
    rows, labels, hatched = [], [], []
    for year in positive.index:
        for frame, key in ((positive, "effects_row_positive"), (negative, "effects_row_negative")):
            label = fill_text(words[key], {"year": str(year)}, lang)
            rows.append(frame.loc[year].to_numpy())
            labels.append(label)
            if frame is negative:
                hatched.append(label)
    out = pd.DataFrame(rows, index=pd.Index(labels, name="year"), columns=positive.columns).astype("int64")
    out.attrs["hatched"] = hatched
    out.attrs["hatch_label"] = words["effects_negative_key"]
    # The legend's keys say the year; one key for the pattern says "negative" (impact_kit.render.charts._bar_frame).
    out.attrs["legend"] = {label: str(year) for label, year in zip(labels, positive.index.repeat(2), strict=True)}
    return out


def effects_data(table: pd.DataFrame, *, lang: str = "fr") -> pd.DataFrame:
    """Return the figures of the effects chart: levels as rows, years as columns, counts of criteria."""
    data = table.T.astype(int)
    data.columns = [str(year) for year in table.index]
    data.index = pd.Index([str(i) for i in table.columns], name=texts(lang)["table_level"])
    return data


def coverage_data(table: pd.DataFrame, *, lang: str = "fr") -> pd.DataFrame:
    """Return the figures of the coverage chart: criteria as rows; level, questions answered, questions, share (%)."""
    words = texts(lang)
    data = pd.DataFrame(
        {
            words["table_level"]: table["level"].astype(str).to_numpy(),
            words["table_answered"]: table["answered"].astype(int).to_numpy(),
            words["table_questions"]: table["total"].astype(int).to_numpy(),
            words["table_share"]: (table["share"].astype(float) * 100).round(0).astype(int).to_numpy(),
        },
        index=pd.Index([str(i) for i in table.index], name=words["table_criterion"]),
    )
    return data


_FONTS = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"


def inline_svg(figure: Figure, *, label: str, prefix: str, box: Bbox | None = None) -> str:
    """Return a figure as an ``<svg>`` element to put in an HTML page as is.

    Its text is real text (the browser's find sees it), its ids start with ``prefix``
    (several charts on a page do not share a clip path), the colours of :data:`THEMES`
    become ``var(--ik-<name>, <colour>)`` (a dark page recolours the chart), its
    background is transparent, and it is an image named by ``label`` for screen readers.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The chart, drawn.
    label : str
        Its alt text (escaped here).
    prefix : str
        Prepended to every id of the SVG: unique on the page.
    box : matplotlib.transforms.Bbox, optional
        The part of the figure to save, if its Axes is placed already
        (:func:`impact_kit.render.frames.drawing`); measured here by default.

    Returns
    -------
    str
        ``<svg role="img" aria-label="..." ...>...</svg>``.
    """
    buffer = io.StringIO()
    with chart_style():
        # One measure of the text and one drawing, instead of constrained layout and a tight box.
        box = fit_axes(figure) if box is None else box
        SVGCanvas(figure)  # the drawing measures each text once per process (render.fit)
        figure.savefig(
            buffer,
            format="svg",
            bbox_inches=box or "tight",
            pad_inches=EDGE,
            metadata={"Date": None},
            transparent=True,
        )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    # In HTML the namespaces are implied; the SVG's own stylesheet would apply to the whole page (report.css has it).
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    svg = re.sub(r'\s*<style type="text/css">[^<]*</style>', "", svg)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m[1]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m[1]})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m[1]}"', svg)
    for name, colour in THEMES["light"].items():
        svg = re.sub(re.escape(colour), f"var(--ik-{name}, {colour})", svg, flags=re.I)
    svg = svg.replace("font-family: 'DejaVu Sans'", f"font-family: {_FONTS}")
    opening = f'<svg role="img" aria-label="{escape(label)}" focusable="false"'
    return opening + " " + svg[len("<svg") :].strip()  # one space before matplotlib's attributes


def _cell(value: Any, words: Mapping[str, Any], lang: str) -> str:
    """Return a figure as the data table shows it: "3,5", "oui", "non renseignée"."""
    if isinstance(value, bool | np.bool_):
        return str(words["yes"] if value else words["no"])
    if isinstance(value, int | float | np.integer | np.floating):
        return str(words["not_rated"]) if math.isnan(float(value)) else format_number(float(value), lang)
    return str(value)


def csv_data_uri(data: pd.DataFrame) -> str:
    """Return a chart's figures as a CSV ``data:`` URI: UTF-8 with a BOM (Excel), 1/0 for yes/no, empty for none.

    Text that a spreadsheet would run as a formula gets a leading apostrophe (see
    :mod:`impact_kit.data.safe_csv`).
    """
    plain = neutralise(data.apply(lambda column: column.astype(int) if column.dtype == bool else column))
    text = "\ufeff" + plain.to_csv(lineterminator="\r\n", float_format="%g")
    return "data:text/csv;charset=utf-8," + urllib.parse.quote(text, safe="")


def data_table(data: pd.DataFrame, *, lang: str = "fr") -> DataTable:
    """Return a chart's figures as the page's table shows them: the index's name in the corner, cells as words."""
    words = texts(lang)
    rows: list[tuple[str | Markup, Sequence[str]]] = [
        (str(i), [_cell(v, words, lang) for v in row]) for i, row in zip(data.index, data.to_numpy(), strict=True)
    ]
    return DataTable([str(data.index.name or ""), *(str(c) for c in data.columns)], rows)


def table_frame(table: DataTable) -> pd.DataFrame:
    """Return a :class:`DataTable` of words as a DataFrame of text, for its CSV: row headings as the index."""
    return pd.DataFrame(
        [list(cells) for _, cells in table.rows],
        index=pd.Index(  # a heading marked as the data's (<span class="ik-user">) goes to the CSV as its text
            [head.striptags() if isinstance(head, Markup) else str(head) for head, _ in table.rows],
            name=table.columns[0] if table.columns else None,
        ),
        columns=[str(c) for c in table.columns[1:]],
    )


def figure_html(
    drawings: Mapping[str, Figure],
    data: pd.DataFrame | DataTable,
    *,
    name: str,
    number: int,
    title: str,
    alt: str,
    file_name: str,
    lang: str = "fr",
    boxes: Mapping[str, Bbox | None] | None = None,
) -> Html:
    """Return a chart as a page's ``<figure>``: its drawings, "Figure N : title", its figures and a CSV link.

    Parameters
    ----------
    drawings : mapping of str to matplotlib.figure.Figure
        ``{"wide": ..., "narrow": ...}``: the chart for wide screens and for phones (the
        page's CSS shows one).
    data : pandas.DataFrame or DataTable
        The figures: a ``*_data`` function's table of numbers, or a table already in words.
    name, number, title, alt : str, int, str, str
        The chart's name (``id="chart-<name>"``), number, title and alt text.
    file_name : str
        The CSV's file name.
    lang : str
        The language of the caption and the table's words.
    boxes : mapping of str to Bbox, optional
        Per drawing, the part to save if its Axes is placed already (see :func:`inline_svg`).
    """
    words = texts(lang)
    table = data_table(data, lang=lang) if isinstance(data, pd.DataFrame) else data
    svgs = {
        variant: Markup(inline_svg(drawing, label=alt, prefix=f"ik-{name}-{variant}-", box=(boxes or {}).get(variant)))
        for variant, drawing in drawings.items()
    }
    parts = dict(
        name=name,
        caption=fill_text(words["figure"], {"number": number, "title": title}, lang),
        summary=fill_text(words["figure_data"], {"number": number}, lang),
        # "Figure 2 : …, en chiffres", never "…)., en chiffres" when the title is a sentence
        table_caption=fill_text(words["figure_table"], {"number": number, "title": title.rstrip(".")}, lang),
        corner=table.columns[0] if table.columns else "",
        columns=list(table.columns[1:]),
        rows=table.rows,
        csv=csv_data_uri(data if isinstance(data, pd.DataFrame) else table_frame(data)),
        csv_name=file_name,
        csv_label=words["figure_csv"],
    )
    page = render("chart", wide=svgs["wide"], narrow=svgs["narrow"], **parts)
    # Notebooks: the wide drawing as an image. Lab, VS Code and nbviewer drop an untrusted notebook's <svg>
    # (its text stayed, flat, both drawings at once) and <style>, but show an <img> with a data: URI.
    image = render("chart", wide=_as_image(svgs["wide"], alt), narrow="", **parts)
    return Html(page.markup, name="chart", notebook=image.markup)


def _as_image(svg: str, alt: str) -> Markup:
    """Return an inline ``<svg>`` as an ``<img>`` of it (a data: URI: a standalone SVG names its namespaces)."""
    namespaces = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    standalone = str.__str__(svg).replace("<svg ", f"<svg {namespaces} ", 1)  # str: Markup.replace escapes
    data = base64.b64encode(standalone.encode("utf-8")).decode("ascii")
    return Markup(f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(alt)}">')

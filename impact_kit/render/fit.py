"""Fit a chart's Axes to its figure from one measure of its text: constrained layout's result, at a third of its cost.

A chart drawn with ``layout="constrained"`` and saved with ``bbox_inches="tight"`` is laid
out three times before it is written: constrained layout measures every text twice, then
the tight box draws the whole figure once more, only to measure it, before the real
drawing. :func:`fit_axes` measures the Axes' decorations (tick labels, title, legend,
annotations) once, with the SVG backend's own text metrics, and moves the Axes so that
they fill the figure less constrained layout's pad; :func:`impact_kit.render.figures.inline_svg`
then draws the figure once, cropped as the tight box would have been.

Both the measure and the drawing use :class:`MeasuredSVG`, which measures a text once
per process, and reads a font's height from its file once per size: the tick labels,
titles and legends of every chart of a batch are the grid's, and matplotlib's own cache
of text sizes lasts one renderer, one drawing.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib import cbook
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, fontManager, get_font
from matplotlib.transforms import Bbox

__all__ = ["EDGE", "MeasuredSVG", "SVGCanvas", "fit_axes", "legend_height", "measuring"]

#: The margin left around the drawing in the saved file, in inches (the tight box's ``pad_inches``).
EDGE = 0.02
_SVG_DPI = 72  # the SVG backend measures and draws in points


def fit_axes(figure: Figure) -> Bbox | None:
    """Place the figure's one Axes so that it and its decorations fill the figure; return the box to save.

    The decorations keep constrained layout's pad (``figure.constrained_layout.w_pad`` and
    ``h_pad``) from the figure's edges; the box returned (inches) crops that pad to
    :data:`EDGE`, as ``bbox_inches="tight", pad_inches=EDGE`` would. The figure's layout
    engine is removed.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A chart, drawn (its artists made), not yet saved; call in the chart style.

    Returns
    -------
    matplotlib.transforms.Bbox or None
        The part of the figure to save, in inches; None (nothing changed) if the figure has
        no Axes or several, which this does not lay out.
    """
    if len(figure.axes) != 1:
        return None
    [ax] = figure.axes
    w_pad = float(mpl.rcParams["figure.constrained_layout.w_pad"]) * _SVG_DPI
    h_pad = float(mpl.rcParams["figure.constrained_layout.h_pad"]) * _SVG_DPI
    # None, not "none": a placeholder engine would still make savefig draw the figure once more.
    figure.set_layout_engine(None)
    with measuring(figure) as renderer:
        width, height = figure.bbox.width, figure.bbox.height
        ax.apply_aspect()
        tight, box = ax.get_tightbbox(renderer), ax.bbox
        if tight is None:
            return None
        x0, x1 = w_pad + box.x0 - tight.x0, width - w_pad - (tight.x1 - box.x1)
        y0, y1 = h_pad + box.y0 - tight.y0, height - h_pad - (tight.y1 - box.y1)
        if x1 <= x0 or y1 <= y0:  # the text alone is wider than the figure: leave it to the caller
            return None
        ax.set_position((x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height))
    inset_x, inset_y = w_pad / _SVG_DPI - EDGE, h_pad / _SVG_DPI - EDGE
    inches = figure.get_size_inches()
    return Bbox.from_extents(inset_x, inset_y, inches[0] - inset_x, inches[1] - inset_y)


@contextmanager
def measuring(figure: Figure) -> Iterator[MeasuredSVG]:
    """Yield a renderer that measures ``figure`` as savefig's SVG will draw it (72 dpi, points).

    The figure's dpi is 72 inside the block, as savefig makes it for SVG, so that text and
    Axes are measured in the same units; it is restored after.
    """
    dpi = figure.dpi
    figure.dpi = _SVG_DPI
    try:
        yield MeasuredSVG(figure.bbox.width, figure.bbox.height, io.StringIO())
    finally:
        figure.dpi = dpi


#: Text sizes measured so far: (text, font file, size in points, hinting) -> width, height, descent.
_SIZES: dict[tuple[str, str, float, Any, Any], tuple[float, float, float]] = {}
_MOST_SIZES = 50_000  # a batch's grid and sites need a few thousand; the cache starts again past this


class MeasuredSVG(RendererSVG):
    """Matplotlib's SVG renderer, but a text's size is measured once per process, not once per drawing.

    The size of a plain text (not math) in one font family depends only on the text, the
    font file, the size in points and the hinting settings (the SVG backend measures at
    72 dpi); those are the key. Math, TeX and a list of families (whose fallbacks matter)
    are measured as matplotlib does.

    ``tape``: the text file it writes to when :class:`SVGCanvas` draws (None when it only measures).
    """

    tape: io.StringIO | None = None

    def get_text_width_height_descent(self, s: str, prop: FontProperties, ismath: Any) -> tuple[float, float, float]:
        """Return the width, height and descent of ``s`` in ``prop``, in points (see RendererBase)."""
        if ismath or len(prop.get_family()) != 1:  # several families: the fallback fonts matter too
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (
            s,
            findfont(prop),
            prop.get_size_in_points(),
            mpl.rcParams["text.hinting"],
            mpl.rcParams["text.hinting_factor"],
        )
        size = _SIZES.get(key)
        if size is None:
            if len(_SIZES) >= _MOST_SIZES:
                _SIZES.clear()
            size = _SIZES[key] = super().get_text_width_height_descent(s, prop, ismath)
        return size

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[float | None, float | None, float | None]:
        """Return a font's ascent, descent and line gap at ``prop``'s size, as ``Text._get_layout`` computes them.

        Matplotlib (3.11) asks the renderer for these first, then reads them from the font
        file's tables for each text it lays out; here they are read once per font and size.
        At 72 dpi, the SVG backend's (:func:`measuring` and :class:`SVGCanvas` draw at it).
        """
        if len(prop.get_family()) != 1:  # matplotlib takes the first family's font that exists
            return _font_height_metrics(prop)
        key = (findfont(prop), prop.get_size_in_points())
        metrics = _HEIGHTS.get(key)
        if metrics is None:
            metrics = _HEIGHTS[key] = _font_height_metrics(prop)
        return metrics


#: A font's ascent, descent and line gap, in points, per (font file, size in points).
_HEIGHTS: dict[tuple[str, float], tuple[float | None, float | None, float | None]] = {}


def _font_height_metrics(prop: FontProperties) -> tuple[float | None, float | None, float | None]:
    """Matplotlib 3.11's ``Text._get_layout`` reading of the font's ascent, descent and line gap (at 72 dpi)."""
    font: Any = get_font(fontManager._find_fonts_by_props(prop))  # its tables are typed per name
    possible = [("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent")]
    for table_name, linegap_key, ascent_key, descent_key in possible:
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        fontsize = prop.get_size_in_points()
        units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
        scale = 1 / units_per_em * fontsize * _SVG_DPI / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None  # matplotlib measures "lp" instead


class SVGCanvas(FigureCanvasSVG):
    """Matplotlib's SVG canvas drawing with :class:`MeasuredSVG`; ``figure.savefig`` as usual otherwise."""

    def print_svg(
        self, filename: Any, *, bbox_inches_restore: Any = None, metadata: Any = None, **applied: Any
    ) -> None:
        """Write the figure as SVG: ``FigureCanvasSVG.print_svg`` with :class:`MeasuredSVG` (matplotlib 3.8-3.11).

        ``applied``: what ``print_figure`` passes to a canvas outside matplotlib (``dpi``,
        ``facecolor``, ``edgecolor``, ``orientation``), which it has applied to the figure
        already and matplotlib's own SVG canvas does not take.
        """
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)  # type: ignore[assignment]
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            tape = io.StringIO()  # what the renderer writes, readable while it draws (impact_kit.render.replay)
            svg = MeasuredSVG(width * 72, height * 72, tape, image_dpi=dpi, metadata=metadata)
            svg.tape = tape
            renderer = MixedModeRenderer(self.figure, width, height, dpi, svg, bbox_inches_restore=bbox_inches_restore)
            self.figure.draw(renderer)  # type: ignore[arg-type]
            renderer.finalize()
            fh.write(tape.getvalue())


def legend_height(labels: list[str], columns: int, size: float) -> float:
    """Return the height in points that a legend of these labels in ``columns`` takes above its Axes, plus air.

    With matplotlib's default spacing: borderaxespad 0.5 below it, borderpad 0.4 top and bottom,
    labelspacing 0.5 between rows, and a text line at most 1.4 font sizes (1.32 in DejaVu Sans);
    then 6 points. What a title placed above such a legend needs as its ``pad``.
    """
    rows = [labels[i : i + columns] for i in range(0, len(labels), columns)]
    lines = sum(max(label.count("\n") + 1 for label in row) for row in rows)
    return size * (0.5 + 0.8 + 1.4 * lines + 0.5 * (len(rows) - 1)) + 6

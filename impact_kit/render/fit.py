"""Fit a chart's Axes to its figure from one measure of its text: constrained layout's result, at a third of its cost.

A chart drawn with ``layout="constrained"`` and saved with ``bbox_inches="tight"`` is laid
out three times before it is written: constrained layout measures every text twice, then
the tight box draws the whole figure once more, only to measure it, before the real
drawing. :func:`fit_axes` measures the Axes' decorations (tick labels, title, legend,
annotations) once, with the SVG backend's own text metrics, and moves the Axes so that
they fill the figure less constrained layout's pad; :func:`impact_kit.render.figures.inline_svg`
then draws the figure once, cropped as the tight box would have been.
"""

from __future__ import annotations

import io

import matplotlib as mpl
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

__all__ = ["EDGE", "fit_axes"]

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
    dpi = figure.dpi
    figure.dpi = _SVG_DPI  # as savefig does for SVG: text and axes measured in the same units
    try:
        width, height = figure.bbox.width, figure.bbox.height
        renderer = RendererSVG(width, height, io.StringIO())
        ax.apply_aspect()
        tight, box = ax.get_tightbbox(renderer), ax.bbox
        if tight is None:
            return None
        x0, x1 = w_pad + box.x0 - tight.x0, width - w_pad - (tight.x1 - box.x1)
        y0, y1 = h_pad + box.y0 - tight.y0, height - h_pad - (tight.y1 - box.y1)
        if x1 <= x0 or y1 <= y0:  # the text alone is wider than the figure: leave it to the caller
            return None
        ax.set_position((x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height))
    finally:
        figure.dpi = dpi
    inset_x, inset_y = w_pad / _SVG_DPI - EDGE, h_pad / _SVG_DPI - EDGE
    inches = figure.get_size_inches()
    return Bbox.from_extents(inset_x, inset_y, inches[0] - inset_x, inches[1] - inset_y)

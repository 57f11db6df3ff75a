"""A report's charts drawn on frames kept from one report to the next: the SVG a fresh figure gives, at less cost.

Most of a chart's cost is its frame: the Axes, its ticks and their labels, the limits, the
legend and the title, which depend on the grid, the language, the years shown and the
figure's size, not on a site's figures. :func:`drawing` keeps, per chart and frame, the
figure of the last drawing (at most :data:`KEPT`); the next report with the same frame
gets that figure with its marks (bars, dots, values) taken off and its own drawn on.

The result is the SVG a new figure gives, byte for byte:

- the Axes goes back to the position a new figure gives it before its marks are drawn,
  its data limits are computed again from the new marks alone, and its colour cycle
  starts again;
- the fit (:func:`impact_kit.render.fit.fit_axes`) is kept only while the marks lie
  inside the Axes, where they cannot change it; otherwise it is measured again.

A frame is never shared between two styles (rcParams), two languages or two sizes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from impact_kit.render.charts import LAYERS, chart_style
from impact_kit.render.fit import fit_axes, measuring
from impact_kit.render.replay import keep_axes

__all__ = ["KEPT", "drawing"]

#: How many frames are kept (the least recently used goes first).
KEPT = 32


@dataclass
class _Frame:
    figure: Figure
    ax: Axes
    start: Bbox  # the Axes' position in a new figure, before any fit
    fitted: tuple[Bbox, Bbox] | None = None  # the Axes' fitted position and the box to save, once measured


_FRAMES: OrderedDict[Hashable, _Frame] = OrderedDict()


def drawing(
    name: str,
    table: pd.DataFrame,
    *,
    lang: str,
    size: tuple[float, float],
    finish: Callable[[Axes], object] = lambda ax: None,
) -> tuple[Figure, Bbox | None]:
    """Draw chart ``name`` of :data:`impact_kit.render.charts.LAYERS` for ``table``, fitted; return it and its box.

    Parameters
    ----------
    name : str
        The chart.
    table : pandas.DataFrame
        Its data, as its chart function takes it.
    lang : str
        The language of its words.
    size : tuple of float
        The figure's width and height, in inches.
    finish : callable, optional
        Called on the Axes after the frame is drawn, as part of it (the page's drawings
        leave the title to the caption).

    Returns
    -------
    tuple of matplotlib.figure.Figure and Bbox or None
        The figure, its Axes placed, and the part of it to save in inches
        (:func:`impact_kit.render.fit.fit_axes`; None where that does not lay it out).
    """
    marks, frame, depends = LAYERS[name]
    with chart_style():
        key = (name, lang, tuple(size), depends(table), _style())
        kept = _FRAMES.pop(key, None)
        if kept is None:
            figure = Figure(figsize=size, layout="constrained")
            ax = figure.add_subplot()
            keep_axes(ax)
            kept = _Frame(figure, ax, ax.get_position(original=True).frozen())
            marks(ax, table, lang)
            frame(ax, table, lang)
            finish(ax)
        else:
            ax = kept.ax
            for container in list(ax.containers):
                container.remove()  # and its bars
            drawn: list[Any] = _marks(ax)
            for artist in drawn:
                artist.remove()
            ax.relim()
            ax.set_prop_cycle(None)  # the colours start again, as on a new Axes
            ax.set_position(kept.start)
            marks(ax, table, lang)
        _FRAMES[key] = kept
        while len(_FRAMES) > KEPT:
            _FRAMES.popitem(last=False)
        inside = _marks_inside(kept)
        if inside and kept.fitted is not None:
            kept.figure.set_layout_engine(None)
            ax.set_position(kept.fitted[0])
            return kept.figure, kept.fitted[1]
        box = fit_axes(kept.figure)
        kept.fitted = (ax.get_position().frozen(), box) if inside and box is not None else None
        return kept.figure, box


def _marks_inside(kept: _Frame) -> bool:
    """Tell whether every mark lies inside the Axes at its start position: the fit then depends on the frame alone."""
    ax = kept.ax
    marks = set(_marks(ax))
    with measuring(kept.figure) as renderer:
        ax.apply_aspect()
        inside = ax.bbox
        # What Axes.get_tightbbox adds up, the marks' part of it; the frame's is the same for every report.
        for artist in ax.get_default_bbox_extra_artists():
            if artist in marks:
                box = artist.get_tightbbox(renderer)
                if box is not None and not _within(box, inside):
                    return False
    return True


#: rcParams that do not change a drawing: the backend, interactive mode, the GUI's.
_NOT_DRAWN = ("backend", "interactive", "toolbar", "keymap.", "webagg.", "tk.", "macosx.", "savefig.directory")


def _style() -> str:
    """Return what of rcParams a drawing depends on, as text (read as stored: no backend chosen here)."""
    params = mpl.rcParams
    return repr([(k, params._get(k)) for k in params if not k.startswith(_NOT_DRAWN)])


def _marks(ax: Axes) -> list[Any]:
    """Return what was drawn on the Axes (the frame adds none: its ticks, labels, legend and title are the Axes')."""
    return [*ax.artists, *ax.collections, *ax.images, *ax.lines, *ax.patches, *ax.tables, *ax.texts]


def _within(box: Bbox, outer: Bbox) -> bool:
    return bool(box.x0 >= outer.x0 and box.y0 >= outer.y0 and box.x1 <= outer.x1 and box.y1 <= outer.y1)

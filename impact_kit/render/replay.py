"""A kept frame's axes written as they were last drawn, while nothing they depend on has changed.

An Axes' x and y axes (ticks, their labels, grid lines, the axis labels) are most of a
chart's drawing, and on a frame kept from one report to the next
(:mod:`impact_kit.render.frames`) they are the same every time: the frame sets their
ticks and limits, the marks do not touch them. :func:`keep_axes` makes each Axis of an
Axes remember the SVG it wrote the last time it was drawn, and write that again, instead
of drawing, when

- the drawing is an SVG of :class:`impact_kit.render.fit.SVGCanvas` (its renderer keeps
  what it wrote on a tape this module can read);
- neither the Axis nor its labels were changed since (matplotlib marks what a setter
  changed stale), nor before the drawing recorded; nor its view limits, its place on the
  figure, the figure's box or the drawing's size;
- the SVG drawn so far has brought the renderer to the same state (the counters of its
  ids, its clip paths and markers, the element left open), so that the same drawing
  would give the same text.

What the key leaves to the caller, as :mod:`impact_kit.render.frames` provides it: the
rcParams (frames are kept per style, and drawn inside it), fixed ticks (a locator that
reads the data, such as ``IndexLocator``, would move with new marks), and no other Axes
that the Axis' labels align with (``align_ylabels``).

The replay sets only those; an Axis whose drawing changed anything else the SVG renderer
keeps (its hatches, gradients, images or text paths) is drawn each time. Anything else
(another backend, rasterised or filtered artists, a renderer state seen for the first
time) draws the Axis as matplotlib does. The text written is byte for byte the drawing's
(``tests/test_frames.py``).
"""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.axis import Axis

from impact_kit.render.fit import MeasuredSVG

__all__ = ["keep_axes"]

#: What the SVG renderer keeps that drawing an Axis may change, and that the replay sets as the drawing left it.
_KEPT = ("_groupd", "_clipd", "_markers")
#: What else it keeps (glyphs of text drawn as paths, hatches...): part of the key, since the Axis' SVG
#: may use what an earlier artist defined; and drawing the Axis must leave them as they were, or it is drawn each time.
_UNTOUCHED = ("_hatchd", "_path_collection_id", "_n_gradients", "_clip_path_ids", "_has_gouraud", "_glyph_map")
#: The private state of matplotlib's XML writer (the start tag left open, the text not written yet, the elements open).
_WRITER = ("_XMLWriter__open", "_XMLWriter__data", "_XMLWriter__tags")


def keep_axes(ax: Axes) -> None:
    """Make the x and y axes of ``ax`` write their last SVG again while it would be the same (see the module).

    For a figure that only its owner changes, through the Axes' and Axis' own setters
    (:mod:`impact_kit.render.frames` keeps such figures): an edit of a tick's own parts is
    not seen (see :func:`_changes`).
    """
    for axis in (ax.xaxis, ax.yaxis):
        if not isinstance(axis.__dict__.get("draw"), _Replay):
            axis.draw = _Replay(axis)  # type: ignore[method-assign]


class _Replay:
    """An Axis' ``draw``: the SVG recorded from its last drawing, or a drawing recorded."""

    def __init__(self, axis: Axis) -> None:
        self.axis = axis
        self.key: tuple[Any, ...] | None = None
        self.text = ""
        self.after: dict[str, Any] = {}

    def __call__(self, renderer: Any) -> None:
        axis = self.axis
        svg = getattr(renderer, "_renderer", renderer)
        tape = getattr(svg, "tape", None)
        if (
            tape is None
            or not isinstance(svg, MeasuredSVG)
            or not all(hasattr(svg.writer, name) for name in _WRITER)
            or axis.get_rasterized()
            or axis.get_agg_filter() is not None
            or not axis.get_visible()
        ):
            self.key = None
            type(axis).draw(axis, renderer)
            return
        changed, labels = _changes(axis)
        before = _state(svg, _KEPT + _WRITER + _UNTOUCHED)
        key = (labels, *_where(axis, svg), before)
        if not changed and key == self.key:
            tape.write(self.text)
            for name, value in self.after.items():
                setattr(svg if not name.startswith("_XMLWriter") else svg.writer, name, _copy(value))
            axis.stale = False
            return
        start = tape.tell()
        type(axis).draw(axis, renderer)
        self.key = None
        # A drawing just after a change is not kept: another change would look the same. Nor
        # one that changed what the replay does not set: that Axis is drawn each time.
        if not changed and _state(svg, _UNTOUCHED) == before[-len(_UNTOUCHED) :]:
            self.key, self.text = key, tape.getvalue()[start:]
            self.after = {name: _copy(getattr(svg, name)) for name in _KEPT}
            self.after |= {name: _copy(getattr(svg.writer, name)) for name in _WRITER}


def _changes(axis: Axis) -> tuple[bool, tuple[Any, ...]]:
    """Return whether the Axis was changed since its last drawing, and its labels' texts and visibility.

    The Axis' setters (ticks, locators, formatters, tick parameters, limits, label text)
    mark it stale, and so does a label's own setter (its colour, say) the label; a drawing
    clears the marks of what it draws. A label not drawn (hidden, or without text) keeps
    its mark: its text and visibility tell instead. The ticks' own parts are not looked
    at: matplotlib marks them stale at every drawing, so an edit of one of them
    (``get_ticklabels()[0].set_color(...)``) is not seen, which is why :func:`keep_axes`
    is for figures that only their owner changes.
    """
    changed = axis.stale
    labels = []
    for label in (axis.label, axis.offsetText):
        text, visible = label.get_text(), label.get_visible()
        changed = changed or (visible and text != "" and label.stale)
        labels.append((text, visible))
    return bool(changed), tuple(labels)


def _where(axis: Axis, svg: MeasuredSVG) -> tuple[Any, ...]:
    """Return where the Axis is drawn: its Axes' view limits and box, the figure's box, the drawing's size."""
    ax = axis.axes
    figure = ax.figure.figure if ax.figure is not None else None  # the root figure (get_figure(root=) is 3.10+)
    return (
        tuple(ax.viewLim.bounds),
        tuple(ax.bbox.bounds),
        tuple(figure.bbox.bounds) if figure is not None else None,
        figure.dpi if figure is not None else None,
        svg.width,
        svg.height,
    )


def _state(svg: MeasuredSVG, names: tuple[str, ...]) -> tuple[Any, ...]:
    """Return what the renderer (or its writer) keeps under ``names``, comparable with ``==``."""
    values = []
    for name in names:
        value = getattr(svg.writer, name) if name.startswith("_XMLWriter") else getattr(svg, name, None)
        if isinstance(value, dict):
            value = tuple((key, repr(item)) for key, item in value.items())
        elif isinstance(value, list):
            value = tuple(value)
        values.append(value)
    return tuple(values)


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, dict | list) else value

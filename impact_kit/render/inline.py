"""Charts in a notebook: each figure that ``plot()`` returns is shown exactly once.

In IPython with matplotlib's inline backend, a figure can show twice: once as the cell's
value (the display formatter) and once when the cell ends (pyplot shows every figure it
manages). :func:`show_once` makes the figure pyplot's, so that it shows at the end of the
cell even when it is not the cell's value, and closes it once the formatter has shown
it, so that the end of the cell does not show it again. Outside IPython it does nothing.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

__all__ = ["in_ipython", "new_figure", "show_once"]

#: The figures ``plot()`` returned: the formatter closes these (and only these) once shown.
_PLOTTED: weakref.WeakSet[Figure] = weakref.WeakSet()


def _shell() -> Any:
    if "IPython" not in sys.modules:  # never import IPython for a script or a batch child
        return None
    from IPython import get_ipython

    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "display_formatter") else None


def in_ipython() -> bool:
    """Return True in an IPython shell or a Jupyter kernel."""
    return _shell() is not None


def new_figure(size: tuple[float, float]) -> Figure:
    """Return a new constrained-layout figure: pyplot's in IPython (shown at the end of the cell), plain elsewhere."""
    if in_ipython():
        from matplotlib import pyplot

        return pyplot.figure(figsize=size, layout="constrained")
    return Figure(figsize=size, layout="constrained")


def show_once(figure: Figure) -> Figure:
    """Return ``figure``, to be shown once in IPython whether or not it is the cell's value."""
    shell = _shell()
    if shell is None:
        return figure
    _PLOTTED.add(figure)
    for formatter in shell.display_formatter.formatters.values():
        try:
            shown = formatter.lookup_by_type(Figure)
        except KeyError:
            continue
        if not getattr(shown, "_impact_kit", False):
            formatter.for_type(Figure, _closing(shown))
    return figure


def _closing(show: Callable[[Figure], Any]) -> Callable[[Figure], Any]:
    def shown(figure: Figure) -> Any:
        try:
            return show(figure)
        finally:
            if figure in _PLOTTED:
                from matplotlib import pyplot

                _PLOTTED.discard(figure)
                pyplot.close(figure)  # shown as the cell's value: the end of the cell shows it no more

    shown._impact_kit = True  # type: ignore[attr-defined]
    return shown

"""How a chart of the portfolio writes its values: in counts or in percentages, in a colour that reads.

A value sits on a bar or a cell whose colour does not change with the page's theme, so its
colour comes from that cell (:func:`label_colour`), never from the page's (which a dark page
recolours: a white "4" on dark blue once became dark on dark). A share of fewer than 10 sites is
drawn as a count (:func:`counted`, the rule of :mod:`impact_kit.indicators.shares`).
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl

from impact_kit.indicators.shares import PERCENT_FROM

__all__ = ["counted", "label_colour"]

# A value label's colours: neither is one of THEMES' (which a dark page recolours): a label sits on
# its cell's colour, whatever the page's theme.
_ON_DARK, _ON_LIGHT = "#fdfdfd", "#1a1a1a"


def _luminance(colour: Any) -> float:
    """WCAG relative luminance of a colour (0 black, 1 white)."""
    channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in mpl.colors.to_rgb(colour)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def label_colour(fill: Any) -> str:
    """Return the colour of a value label drawn on ``fill``: the lighter or the darker, whichever contrasts more."""
    lum = _luminance(fill)
    light = (_luminance(_ON_DARK) + 0.05) / (lum + 0.05)
    dark = (lum + 0.05) / (_luminance(_ON_LIGHT) + 0.05)
    return _ON_DARK if light > dark else _ON_LIGHT


def counted(sites: Any) -> bool:
    """Return True when a chart of shares of ``sites`` (the fewest of its bars) draws counts: under 10 sites."""
    return int(sites) < PERCENT_FROM

"""How a share of sites may be told: a count, a percentage with its base, or one with its interval.

A share of a few sites is a count: "3 sur 5" says what "60 %" hides. The rule, one place for the
whole portfolio (its sentences, its data tables and its charts):

- under :data:`PERCENT_FROM` sites, a share is a count, never a percentage;
- from :data:`PERCENT_FROM`, a percentage with its base ("40 % of 12 sites");
- from :data:`INTERVAL_FROM`, the percentage also carries its 95 % Wilson score interval
  (statsmodels' ``proportion_confint``): the range the share of a larger, similar set of sites
  would likely fall in.
"""

from __future__ import annotations

from statsmodels.stats.proportion import proportion_confint

__all__ = ["INTERVAL_FROM", "PERCENT_FROM", "share_form", "wilson_interval"]

#: From this many sites, a share is a percentage (with its base); under it, a count.
PERCENT_FROM = 10
#: From this many sites, a percentage carries its 95 % Wilson interval.
INTERVAL_FROM = 30


def share_form(sites: int) -> str:
    """Return how a share of ``sites`` sites is told: ``"count"``, ``"percent"`` or ``"interval"``."""
    if sites < PERCENT_FROM:
        return "count"
    return "percent" if sites < INTERVAL_FROM else "interval"


def wilson_interval(observed: int, sites: int, *, alpha: float = 0.05) -> tuple[float, float]:
    """Return the Wilson score interval (0 to 1) of ``observed`` out of ``sites``, at ``1 - alpha`` confidence.

    Raises
    ------
    ValueError
        If ``sites`` is not positive or ``observed`` is not between 0 and ``sites``.
    """
    if sites <= 0 or not 0 <= observed <= sites:
        raise ValueError(f"`observed` must be between 0 and `sites` > 0, but {observed!r} of {sites!r} was passed.")
    low, high = proportion_confint(observed, sites, alpha=alpha, method="wilson")
    return float(low), float(high)

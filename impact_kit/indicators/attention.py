"""Points of attention: what a site's report, and a programme's portfolio, flag for a closer look.

A point is a negative effect (a criterion whose state is ``negative`` or ``mixed``), a positive
effect lost since the previous year, or a level whose intensity dropped by
:data:`DROP` or more. Ids and numbers only: :mod:`impact_kit.text.attention` says them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from impact_kit.data.observations import as_number
from impact_kit.grid.model import Criterion, Grid, Level
from impact_kit.indicators.site import POSITIVE_STATES, Answers, criterion_states

__all__ = ["DROP", "Point", "attention_points"]

#: A level's intensity must fall by at least this much, from one year to the next, to be a point.
DROP = 2


@dataclass(frozen=True)
class Point:
    """One point of attention.

    ``kind`` is ``negative`` (a negative effect this year; ``state`` says negative or mixed),
    ``lost`` (a positive effect of ``previous`` that is not there this year; ``state`` is the
    criterion's state now) or ``drop`` (the ``level``'s intensity fell from ``before`` to ``after``).
    """

    kind: str
    criterion: Criterion | None = None
    level: Level | None = None
    state: str = ""
    previous: int | None = None
    before: float | None = None
    after: float | None = None


def attention_points(grid: Grid, years: Mapping[int, Answers], year: int) -> list[Point]:
    """Return the site-year's points of attention: negative effects, then intensity drops, then lost effects.

    Parameters
    ----------
    grid : Grid
        The grid.
    years : mapping
        ``{year: answers}`` of one site (:func:`impact_kit.indicators.site.answers_by_year`).
    year : int
        The year of the report; the previous year is the latest earlier one in ``years``.
    """
    now = criterion_states(grid, years[year])
    points = [
        Point("negative", criterion=c, state=now[c.id]) for c in grid.criteria if now[c.id] in ("negative", "mixed")
    ]
    earlier = [y for y in years if y < year]
    if not earlier:
        return points
    previous = max(earlier)
    before = criterion_states(grid, years[previous])
    role = grid.roles.intensity
    for level in grid.levels:
        old, new = (as_number((years[y].get(level.id, {}).get(role) or [""])[0]) for y in (previous, year))
        if old is not None and new is not None and old - new >= DROP:
            points.append(Point("drop", level=level, previous=previous, before=old, after=new))
    for c in grid.criteria:
        lost = before[c.id] in POSITIVE_STATES and now[c.id] not in POSITIVE_STATES
        if lost and now[c.id] not in ("negative", "not_asked"):  # a negative effect is said above; not asked is no loss
            points.append(Point("lost", criterion=c, state=now[c.id], previous=previous))
    return points

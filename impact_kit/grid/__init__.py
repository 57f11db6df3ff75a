"""The evaluation grid: levels, criteria, questions, options and sentences, read from a YAML file.

``model`` is what a grid is; ``file`` reads and checks a grid file (the kit's own in ``impact_kit/grids/``).
"""

from impact_kit.grid.file import default_grid, load_grid
from impact_kit.grid.model import Criterion, Grid, Level, Option, Question

__all__ = ["Criterion", "Grid", "Level", "Option", "Question", "default_grid", "load_grid"]

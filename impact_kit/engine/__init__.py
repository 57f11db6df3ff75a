"""Warm, isolated notebook runs: IPython in a forked child of a process that imported everything once.

- :func:`run_cells` executes a notebook's code cells in this process and records the
  outputs as an IPython kernel and nbclient would.
- :func:`run_isolated` calls any function in a forked child and returns its result;
  :func:`map_isolated` runs many, N children at a time; :func:`warm` imports the kit's
  heavy libraries in the parent beforehand.
- :class:`ForkEngine` (``papermill --engine impact-kit``) and :class:`InProcessEngine`
  (``impact-kit-inprocess``, for use inside an isolated child) are papermill engines.

A batch warms its parent once, then, per report, calls ``run_isolated(job, ...)`` where
``job`` runs ``papermill.execute_notebook(..., engine_name="impact-kit-inprocess")`` and
exports the HTML in the same child.
"""

from __future__ import annotations

# First: importing papermill loads its engine entry points, which import impact_kit.engine.engines.
# That must happen before this package starts importing its modules, or papermill would find
# impact_kit.engine.engines half-imported (ForkEngine not yet defined) and fail.
import papermill.engines  # noqa: F401

from impact_kit.engine.engines import CellTimeout, ForkEngine, InProcessEngine, KernelDied
from impact_kit.engine.inprocess import INLINE_BACKEND, kernel_environment, language_info, run_cells
from impact_kit.engine.isolate import WARM_MODULES, in_child, map_isolated, notify, run_in_child, run_isolated, warm

__all__ = [
    "INLINE_BACKEND",
    "WARM_MODULES",
    "CellTimeout",
    "ForkEngine",
    "InProcessEngine",
    "KernelDied",
    "in_child",
    "kernel_environment",
    "language_info",
    "map_isolated",
    "notify",
    "run_cells",
    "run_in_child",
    "run_isolated",
    "warm",
]

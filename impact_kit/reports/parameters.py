"""The master notebooks and their parameters, as papermill reads them from the notebook itself.

The master notebooks ship inside the package (``impact_kit/notebooks``; the project's
``notebooks/`` folder links to them). Their parameters are what the cell tagged
``parameters`` declares (:func:`notebook_parameters`, through ``papermill.inspect_notebook``),
never a list kept by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from impact_kit.exceptions import InvalidArgument

__all__ = [
    "NOTEBOOKS_DIR",
    "PORTFOLIO_NOTEBOOK",
    "SITE_NOTEBOOK",
    "check_parameters",
    "notebook_parameters",
    "read_parameters",
]

#: The master notebooks shipped with the package.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
SITE_NOTEBOOK = NOTEBOOKS_DIR / "site_report.ipynb"
PORTFOLIO_NOTEBOOK = NOTEBOOKS_DIR / "portfolio_report.ipynb"


@cache
def _parameters(path: Path, mtime: int) -> Mapping[str, Mapping[str, Any]]:
    import papermill as pm  # slow to import: only when a notebook runs

    return {name: dict(info) for name, info in pm.inspect_notebook(str(path)).items()}


def notebook_parameters(notebook: str | Path = SITE_NOTEBOOK) -> Mapping[str, Mapping[str, Any]]:
    """Return the parameters a notebook declares (its cell tagged ``parameters``), read by papermill.

    Returns
    -------
    mapping
        ``{name: {"inferred_type_name": ..., "default": ..., "help": ...}}``, in the cell's order.
    """
    path = Path(notebook).resolve()
    return _parameters(path, path.stat().st_mtime_ns)


def check_parameters(parameters: Mapping[str, Any], notebook: str | Path = SITE_NOTEBOOK) -> None:
    """Check that every parameter is one the notebook declares.

    Raises
    ------
    InvalidArgument
        Naming the unknown parameters and the notebook's own.
    """
    known = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise InvalidArgument(
            f"{Path(notebook).name} has no parameter {', '.join(map(repr, unknown))}; its parameters are {list(known)}."
        )


def read_parameters(path: str | Path, *, site: str, year: int, notebook: str | Path = SITE_NOTEBOOK) -> dict[str, Any]:
    """Read a papermill parameters file (``parameters/<site>_<year>.yaml``) for one report.

    Raises
    ------
    InvalidArgument
        If the file cannot be read, is not a YAML mapping, names a parameter the notebook
        does not have, or names another site or year than the report's.
    """
    import yaml

    path = Path(path)
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidArgument(f"{path}: cannot read the parameters file ({exc}). Fix it or remove it.") from None
    if not isinstance(values, dict):
        raise InvalidArgument(f"{path}: a parameters file is a YAML mapping of name: value.")
    check_parameters(values, notebook)
    for key, given in (("site", site), ("year", year)):
        if key in values and str(values[key]) != str(given):
            raise InvalidArgument(f"{path}: `{key}` is {values[key]!r}, but the report is for {given!r}.")
    return values

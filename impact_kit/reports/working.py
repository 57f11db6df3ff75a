"""An evaluator's working notebook: a copy of the master for one site and year, theirs to edit.

``impact-kit notebook SITE YEAR`` writes ``notebooks/<site>/<year>.ipynb`` beside the data
folder (:func:`create_working_notebook`), its parameters set. The evaluator runs it in
JupyterLab and adds Markdown cells (a commentary, a recommendation) and code cells (exploration,
or tagged ``report`` for the report); ``impact-kit report`` and ``impact-kit batch`` then run that
copy instead of the master for that site-year (:func:`find_working_notebook`), without its
exploration (:mod:`impact_kit.reports.selection`), so that their words reach that report and no other.

The copy records the digest of the master it came from: when the master changes later,
the copy is kept as it is (the evaluator's cells with it) and :func:`older_than_master`
says so, so that the command line can tell the user.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import yaml

from impact_kit import __version__
from impact_kit.data.dataset import Dataset
from impact_kit.exceptions import InvalidArgument
from impact_kit.files import check_writable
from impact_kit.grid.file import user_grid_file
from impact_kit.render.export import REMOVED_TAGS
from impact_kit.reports.parameters import SITE_NOTEBOOK
from impact_kit.reports.selection import mark_master_cells

#: The master notebook's notes in the report languages other than English (by cell id).
NOTES_FILE = SITE_NOTEBOOK.with_name("notes.yaml")

__all__ = [
    "WORKING_DIR",
    "check_working_notebook",
    "commentary_cells",
    "create_working_notebook",
    "find_working_notebook",
    "master_digest",
    "notes_in",
    "older_than_master",
    "translate_notes",
    "working_notebook_path",
    "working_notebook_refusal",
]

#: The folder of working notebooks, beside the data folder: ``notebooks/<site>/<year>.ipynb``.
WORKING_DIR = "notebooks"
_ASSIGNMENT = re.compile(r"^(?P<name>\w+) = (?P<value>.*?)(?P<comment>\s+#.*)?$")


def working_notebook_path(dataset: Dataset, site: str, year: int) -> Path:
    """Return where the working notebook of a site-year is: ``<data>/../notebooks/<site>/<year>.ipynb``."""
    return dataset.folder.parent / WORKING_DIR / site / f"{int(year)}.ipynb"


def find_working_notebook(dataset: Dataset, site: str, year: int) -> Path | None:
    """Return the working notebook of a site-year if the evaluator made one, else None."""
    path = working_notebook_path(dataset, site, year)
    return path if path.is_file() else None


def master_digest(master: Path = SITE_NOTEBOOK) -> str:
    """Return the SHA-256 of the master notebook's bytes (what a working notebook records)."""
    return hashlib.sha256(master.read_bytes()).hexdigest()


def _language_info() -> dict[str, Any]:
    """Return the language_info this Python's kernel reports (JupyterLab marks a notebook modified when it differs)."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def _set_parameters(source: str, values: Mapping[str, object]) -> str:
    """Return the parameters cell with ``values`` in place of the master's, each line's comment kept."""
    lines = []
    for line in source.splitlines():
        match = _ASSIGNMENT.match(line)
        if match and match["name"] in values:
            value = values[match["name"]]
            text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
            line = f"{match['name']} = {text}{match['comment'] or ''}"
        lines.append(line)
    return "\n".join(lines)


def create_working_notebook(dataset: Dataset, site: str, year: int, *, lang: str = "fr") -> Path:
    """Write the working notebook of a site-year from the master, its parameters set, and return its path.

    Parameters
    ----------
    dataset : Dataset
        The validated data; the site and year must be in it (the caller checks them).
    site, year : str, int
        The report's site id and year.
    lang : str
        The report's language.

    Returns
    -------
    Path
        ``notebooks/<site>/<year>.ipynb`` beside the data folder.

    Raises
    ------
    InvalidArgument
        If that notebook exists already: it is the evaluator's work and is never overwritten.
    """
    path = working_notebook_path(dataset, site, year)
    if path.exists():
        raise InvalidArgument(
            f"{path} exists already: it holds your work and is never overwritten. To start afresh, "
            "rename or delete it, then run this command again (copy your own cells over from the old one)."
        )
    nb = nbformat.read(SITE_NOTEBOOK, as_version=4)
    grid = user_grid_file(dataset.grid)
    values = {
        "site": site,
        "year": int(year),
        # Relative to the notebook: JupyterLab runs it from its own folder.
        "data": os.path.relpath(dataset.folder, path.parent),
        "grid": os.path.relpath(grid, path.parent) if grid else "",
        "lang": lang,
    }
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = _set_parameters(cell.source, values)
    mark_master_cells(nb)  # they go into the report; code cells the evaluator adds are exploration
    translate_notes(nb, lang)
    name = str(dataset.sites.loc[site, "name"])
    _retitle(nb, f"{name}, {int(year)}", lang)
    nb.metadata["language_info"] = _language_info()
    nb.metadata["impact_kit"] = {
        "site": site,
        "year": int(year),
        "master": SITE_NOTEBOOK.name,
        "master_sha256": master_digest(),
        "version": __version__,
    }
    nbformat.validate(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    check_writable(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)
        os.link(temporary, path)  # fails if a notebook appeared meanwhile: never overwrite one
    except FileExistsError:
        raise InvalidArgument(f"{path} appeared while it was being written; it was left as it is.") from None
    finally:
        temporary.unlink(missing_ok=True)
    return path


def notes_in(lang: str) -> dict[str, str]:
    """Return the master notebook's notes in ``lang`` by cell id (``notebooks/notes.yaml``; empty for English)."""
    found = yaml.safe_load(NOTES_FILE.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (found.get(lang) or {}).items()}


def translate_notes(nb: nbformat.NotebookNode, lang: str) -> None:
    """Write the notes (Markdown cells tagged ``notes``) in the report's language, where a translation exists."""
    notes = notes_in(lang)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "notes" in cell.metadata.get("tags", []) and cell.get("id") in notes:
            cell.source = notes[cell["id"]]


def _retitle(nb: nbformat.NotebookNode, title: str, lang: str = "en") -> None:
    """Name the site and year in the first heading ("# Site report: the master notebook" was every copy's title)."""
    first = nb.cells[0] if nb.cells and nb.cells[0].cell_type == "markdown" else None
    if first is not None and first.source.startswith("# "):
        heading, _, rest = first.source.partition("\n")
        kind = heading[2:].split(":")[0].strip()
        colon = "\u00a0: " if lang == "fr" else ": "  # French sets a (no-break) space before a colon
        first.source = f"# {kind}{colon}{title}\n{rest}" if rest else f"# {kind}{colon}{title}"


def check_working_notebook(notebook: Path, site: str, year: int) -> None:
    """Check that a working notebook can be read and is one of this site-year (when it says which it is).

    Raises
    ------
    InvalidArgument
        If the notebook cannot be read (a save cut short), its metadata names a year that
        is not one, or it was made for another site or year; the message names the file
        to rename, and what to.
    """
    aside = (
        f"rename it aside (to {notebook.with_name(f'{notebook.stem}.old.ipynb')}), run `impact-kit notebook "
        f"{site} {year}` and copy your own cells into the new one"
    )
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as exc:  # nbformat raises JSON, schema and key errors alike for a damaged notebook
        raise InvalidArgument(
            f"{notebook}: cannot read this notebook ({type(exc).__name__}: {exc}); a save cut short? Restore it "
            f"from JupyterLab (File > Revert Notebook to Checkpoint), or {aside}."
        ) from None
    made = nb.metadata.get("impact_kit", {})
    if not isinstance(made, Mapping) or "site" not in made:
        return
    try:
        theirs = int(str(made.get("year", year)))
    except ValueError:
        raise InvalidArgument(
            f"{notebook}: its metadata (impact_kit.year) gives {made.get('year')!r}, which is not a year. Set it to "
            f"{year} (JupyterLab: Property Inspector, Notebook metadata), or {aside}."
        ) from None
    if (str(made["site"]), theirs) != (site, int(year)):
        right = notebook.parent.parent / str(made["site"]) / f"{theirs}.ipynb"
        there = " (where a notebook is already: compare the two first)" if right.exists() else ""
        raise InvalidArgument(
            f"{notebook} is the working notebook of {made['site']} {theirs}, not of {site} {year}. If it is that "
            f"site-year's, rename it to {right}{there}; if it was copied to start this one's, {aside}."
        )


def working_notebook_refusal(notebook: Path, site: str, year: int) -> str | None:
    """Return why a working notebook cannot make this site-year's report (see :func:`check_working_notebook`), or None.

    What a batch needs: that report fails with this message, the others are made.
    """
    try:
        check_working_notebook(notebook, site, year)
    except InvalidArgument as exc:
        return str(exc)
    return None


def older_than_master(notebook: Path) -> str | None:
    """Return a sentence for the user if a working notebook was copied from an older master, else None.

    The copy is run as it is, the evaluator's cells with it; the master's later changes
    reach its report only once the evaluator starts a fresh copy.
    """
    try:
        made = nbformat.read(notebook, as_version=4).metadata.get("impact_kit", {})
    except (OSError, ValueError):
        return None
    recorded = made.get("master_sha256")
    if not recorded or recorded == master_digest():
        return None
    return (
        f"{notebook} was copied from an older master notebook (impact_kit {made.get('version', '?')}); its report "
        "is made from it as it is, without the master's later changes. To take them, rename it, run "
        "`impact-kit notebook` again and copy your own cells into the new one."
    )


def commentary_cells(notebook: Path) -> int:
    """Return how many of the evaluator's own Markdown cells a notebook holds (cells the master has none of)."""
    nb = nbformat.read(notebook, as_version=4)
    return sum(
        1
        for cell in nb.cells
        if cell.cell_type == "markdown"
        and cell.source.strip()
        and not REMOVED_TAGS & set(cell.metadata.get("tags", []))
    )

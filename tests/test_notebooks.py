"""The committed master notebook and parameters files (fast checks; running them is in test_export.py)."""

from __future__ import annotations

import re
import shutil
import subprocess

import nbformat
import pytest
import yaml
from conftest import ROOT

from impact_kit.data.observations import load_observations
from impact_kit.render.export import REMOVED_TAGS
from impact_kit.reports.parameters import PORTFOLIO_NOTEBOOK, SITE_NOTEBOOK, notebook_parameters


def test_committed_notebook_has_no_outputs_and_only_calls_the_package():
    nb = nbformat.read(SITE_NOTEBOOK, as_version=4)
    assert [c for c in nb.cells if c.cell_type == "code" and (c.outputs or c.execution_count)] == []
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    used = {tag for cell_tags in tags for tag in cell_tags}
    assert ["parameters"] in tags and "notes" in used
    assert used <= REMOVED_TAGS
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not re.search(r"^\s*(def|class|for|while|if)\b", cell.source, re.MULTILINE), cell.source
            if "parameters" not in cell.metadata.get("tags", []):  # one line per parameter
                assert len(cell.source.splitlines()) <= 6


def test_every_section_cell_follows_a_note():
    nb = nbformat.read(SITE_NOTEBOOK, as_version=4)
    sections = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "report." in c.source]
    for i in sections:
        before = nb.cells[i - 1]
        note = before.cell_type == "markdown" and "notes" in before.metadata.get("tags", [])
        assert note or (before.cell_type == "code" and "report." in before.source), nb.cells[i].source


@pytest.mark.parametrize("master", [SITE_NOTEBOOK, PORTFOLIO_NOTEBOOK], ids=lambda p: p.stem)
def test_the_project_notebooks_are_untracked_copies_of_the_packaged_masters(master):
    """notebooks/*.ipynb are copies `make` writes, not links, and git ignores them: what JupyterLab saves there
    (outputs) never reaches the package's master nor `git status`."""
    top = ROOT / "notebooks" / master.name
    assert master.is_relative_to(ROOT / "impact_kit") and not top.is_symlink()
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the checkout is not a git work tree")
    git = ["git", "-C", str(ROOT)]
    relative = top.relative_to(ROOT).as_posix()
    assert subprocess.run([*git, "check-ignore", "-q", relative], check=False).returncode == 0
    assert not subprocess.run([*git, "ls-files", relative], capture_output=True, text=True, check=True).stdout
    planned = subprocess.run(["make", "-C", str(ROOT), "-n", "-B", relative], capture_output=True, text=True)
    assert f"cp impact_kit/notebooks/{master.name} {relative}" in planned.stdout  # -n: nothing is written


@pytest.mark.parametrize("master", [SITE_NOTEBOOK, PORTFOLIO_NOTEBOOK], ids=lambda p: p.stem)
def test_jupyterlab_finds_nothing_to_change_in_the_masters(master):
    """Lab marks a notebook modified on opening when it normalises it: cell ids, nbformat 4.5, the kernel's
    language_info (this Python's). The file must be as nbformat writes it, with this kernel's language_info."""
    from ipykernel.ipkernel import IPythonKernel

    nb = nbformat.read(master, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5) and all(cell.get("id") for cell in nb.cells)
    assert master.read_text(encoding="utf-8") == nbformat.writes(nb) + "\n"
    info = dict(IPythonKernel.language_info)
    if nb.metadata.language_info.get("version") != info["version"]:
        pytest.skip(f"the masters record Python {nb.metadata.language_info.get('version')}, this is {info['version']}")
    assert nb.metadata.language_info == info


def test_parameters_are_read_from_the_notebook():
    assert list(notebook_parameters(SITE_NOTEBOOK)) == [
        "site",
        "year",
        "data",
        "grid",
        "lang",
        "pseudonymise",
        "programme",
    ]


def test_parameters_files_match_the_sample():
    obs = load_observations(ROOT / "data")
    pairs = {(s, int(y)) for s, y in obs[["site", "year"]].drop_duplicates().itertuples(index=False)}
    known = set(notebook_parameters(SITE_NOTEBOOK))
    found = set()
    for path in sorted((ROOT / "parameters").glob("*.yaml")):
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(params["site"], str) and isinstance(params["year"], int), path.name
        assert path.stem == f"{params['site']}_{params['year']}"
        assert set(params) <= known, path.name
        found.add((params["site"], params["year"]))
    assert found == pairs

"""The committed master notebook and parameters files (fast checks; running them is in test_export.py)."""

from __future__ import annotations

import nbformat
import yaml
from conftest import ROOT

from impact_kit.export import MASTER_NOTEBOOK, REMOVED_TAGS
from impact_kit.observations import load_observations


def test_committed_notebook_has_no_outputs_and_only_calls_the_package():
    nb = nbformat.read(MASTER_NOTEBOOK, as_version=4)
    assert [c for c in nb.cells if c.cell_type == "code" and (c.outputs or c.execution_count)] == []
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    used = {tag for cell_tags in tags for tag in cell_tags}
    assert ["parameters"] in tags and "notes" in used
    assert used <= REMOVED_TAGS
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "def " not in cell.source and "for " not in cell.source and "class " not in cell.source
            assert len(cell.source.splitlines()) <= 5


def test_parameters_files_match_the_sample():
    obs = load_observations(ROOT / "data")
    pairs = {(s, int(y)) for s, y in obs[["site", "year"]].drop_duplicates().itertuples(index=False)}
    files = sorted((ROOT / "parameters").glob("*.yaml"))
    found = set()
    for path in files:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(params["site"], str) and isinstance(params["year"], int), path.name
        assert path.stem == f"{params['site']}_{params['year']}"
        assert set(params) == {"site", "year", "data", "lang", "pseudonymise"}
        found.add((params["site"], params["year"]))
    assert found == pairs

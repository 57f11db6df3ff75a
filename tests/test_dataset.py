"""load_dataset: a folder read and validated once per process, however its path is spelled."""

from __future__ import annotations

import shutil

from conftest import ROOT

from impact_kit.data.dataset import load_dataset


def test_same_folder_through_dotdot_is_not_read_again(tmp_path, monkeypatch):
    # A batch's child runs the notebook with data="../../<folder>" (relative to its working
    # directory): it must get the tables its parent validated, not read and validate them again.
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "work" / "deep").mkdir(parents=True)
    first = load_dataset(tmp_path / "data")
    monkeypatch.chdir(tmp_path / "work" / "deep")
    assert load_dataset("../../data") is first


def test_changed_folder_is_read_again(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    first = load_dataset(tmp_path / "data")
    sites = tmp_path / "data" / "sites.csv"
    sites.write_text(sites.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load_dataset(tmp_path / "data") is not first


def test_an_edited_grid_file_is_read_again(tmp_path):
    import shutil

    from conftest import SAMPLE

    from impact_kit.data.dataset import load_dataset
    from impact_kit.grid.file import GRIDS_DIR

    grid = tmp_path / "grid.yaml"
    shutil.copy(GRIDS_DIR / "commune_mesure.yaml", grid)
    first = load_dataset(SAMPLE, grid=grid)
    assert load_dataset(SAMPLE, grid=grid) is first  # unchanged: the same tables
    text = grid.read_text(encoding="utf-8").replace("Commune Mesure — effets sociaux et urbains", "Ma grille", 1)
    grid.write_text(text, encoding="utf-8")
    again = load_dataset(SAMPLE, grid=grid)
    assert again is not first and again.grid.name("fr") == "Ma grille"

"""load_dataset: a folder read and validated once per process, however its path is spelled."""

from __future__ import annotations

import shutil

from conftest import ROOT

from impact_kit.dataset import load_dataset


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

"""Exploring a site-year in a notebook: no silent result, charts that read, the README's examples as written."""

from __future__ import annotations

import re
import shutil

import matplotlib.pyplot as plt
import nbformat
import pytest
from conftest import ROOT, SAMPLE
from matplotlib.backends.backend_agg import FigureCanvasAgg

import impact_kit as ik
from impact_kit.data.dataset import load_dataset
from impact_kit.exceptions import NotFound
from impact_kit.reports.kind import NARROW_WIDTH
from impact_kit.reports.lab import report_run
from impact_kit.reports.parameters import SITE_NOTEBOOK
from impact_kit.reports.working import create_working_notebook, notes_in
from impact_kit.words import LANGUAGES


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_a_level_past_the_grid_names_the_levels_there_are(capsys):
    report = ik.SiteReport.load("the-good-start", 2021, data=SAMPLE)
    assert str(report.level(9)) == ""
    said = capsys.readouterr().err
    assert said.startswith("level(9): the grid 'commune_mesure' has 4 levels: 1 effets_individuels (")
    assert all(level.id in said for level in report.grid.levels)
    with report_run():  # the master's level(3) on a grid of two levels: silent in a report's run
        report.level(9)
    assert capsys.readouterr().err == ""


def test_an_empty_plot_says_why():
    report = ik.SiteReport.load("the-good-start", 2021, data=SAMPLE)
    table = report._spec("intensity").table(report)
    table.loc[:, :] = float("nan")  # no intensity recorded in any year
    figure = report.plot("intensity", table=table)
    [text] = figure.axes[0].texts
    assert text.get_text().startswith("Pas de graphique « Intensité des effets par niveau » : aucune donnée")
    assert "2021" in text.get_text() and not figure.axes[0].axison


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("size", [None, (NARROW_WIDTH, 8.0)])
def test_the_coverage_legend_does_not_overlap_its_title(lang, size):
    figure = ik.SiteReport.load("the-good-start", 2021, data=SAMPLE, lang=lang).plot("coverage", size=size)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    ax, renderer = figure.axes[0], canvas.get_renderer()
    title = ax.title if ax.title.get_text() else ax._left_title
    assert title.get_text()
    assert not ax.get_legend().get_window_extent(renderer).overlaps(title.get_window_extent(renderer))


def test_a_working_notebook_is_titled_with_its_site_and_year(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "data")
    path = create_working_notebook(load_dataset(tmp_path / "data"), "the-good-start", 2021, lang="en")
    first = nbformat.read(path, as_version=4).cells[0].source
    assert first.splitlines()[0] == "# Site report: The Good Start, 2021"


def test_a_working_notebook_s_notes_are_in_its_report_s_language(tmp_path):
    """Issue 25, Build 9: the notes of a French report's notebook are French, not the master's English."""
    shutil.copytree(SAMPLE, tmp_path / "data")
    path = create_working_notebook(load_dataset(tmp_path / "data"), "the-good-start", 2021)  # French by default
    cells = nbformat.read(path, as_version=4).cells
    notes = [c for c in cells if "notes" in c.metadata.get("tags", [])]
    assert notes[0].source.splitlines()[0] == "# Rapport de site\u00a0: The Good Start, 2021"
    assert notes[1].source.startswith("**En-tête** : le nom du site")
    master = nbformat.read(SITE_NOTEBOOK, as_version=4).cells
    assert [c.get("id") for c in notes] == [c.get("id") for c in master if "notes" in c.metadata.get("tags", [])]
    assert not any(re.search(r"\b(the|and|of)\b", c.source.replace("New Console for Notebook", "")) for c in notes)


def test_every_note_of_the_master_has_its_text_in_every_report_language():
    master = nbformat.read(SITE_NOTEBOOK, as_version=4).cells
    ids = {c["id"] for c in master if "notes" in c.metadata.get("tags", [])}
    for lang in LANGUAGES:
        if lang != "en":  # the master's own language
            assert set(notes_in(lang)) == ids, lang


def test_paths_from_a_working_notebook_are_named_without_dots(tmp_path, monkeypatch):
    shutil.copytree(SAMPLE, tmp_path / "data")
    (tmp_path / "notebooks" / "the-good-start").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notebooks" / "the-good-start")  # where Lab runs a working notebook's kernel
    with pytest.raises(NotFound) as info:
        ik.SiteReport.load("the-good", 2021, data="../../data")
    assert str(info.value).startswith(f"{tmp_path.resolve() / 'data' / 'sites.csv'} has no site 'the-good'.")


def _readme_python() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


@pytest.mark.parametrize("block", _readme_python(), ids=lambda block: block.splitlines()[0][:40])
def test_the_readme_python_examples_run_as_written(block, monkeypatch):
    """Each block in a namespace of its own, from the project's root, as a notebook there would."""
    monkeypatch.chdir(ROOT)
    exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})

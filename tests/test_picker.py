"""ik.picker(): pick a site-year in JupyterLab, get its working notebook and a link that opens it."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from conftest import SAMPLE

import impact_kit as ik
from impact_kit.reports.lab import report_run

pytest.importorskip("ipywidgets")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with the sample data; the kernel runs in notebooks/, as Lab runs a notebook there."""
    shutil.copytree(SAMPLE, tmp_path / "data")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    return tmp_path


@pytest.mark.slow
def test_the_picker_writes_the_working_notebook_once_and_links_to_it(project):
    """In a real kernel (widgets talk to the front end through its comms), the picker's button clicked as Lab would."""
    from nbclient import NotebookClient

    cells = [
        'import impact_kit as ik\npicker = ik.picker("data")\nnames = {s: label for label, s in picker.site.options}\n'
        "def shown():  # what the link area shows: Lab renders it, and opens its link in a tab\n"
        '    return "".join(o["data"]["text/html"] for o in picker.link.outputs)',
        'print(names["the-good-start"], len(names))',
        'picker.site.value = "la-fabrique-des-possibles-exemple"\nprint(picker.year.options, picker.year.value)',
        'picker.site.value = "the-good-start"\nprint(picker.year.options)\npicker.button.click()\nprint(shown())',
        "written = open('the-good-start/2021.ipynb', 'rb').read()\npicker.button.click()\n"
        "print(open('the-good-start/2021.ipynb', 'rb').read() == written, shown())",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(project / "notebooks")}}).execute()
    said = ["".join(o.get("text", "") for o in c.outputs if o.get("name") == "stdout").strip() for c in nb.cells]
    assert said[1] == "The Good Start (Pantin) 7"
    assert said[2] == "(2021, 2022, 2023) 2023"  # the site's years, the latest chosen
    link = '<a href="the-good-start/2021.ipynb">the-good-start/2021.ipynb</a>'
    assert said[3].startswith(f"(2021,)\n{link}")
    path = project / "notebooks" / "the-good-start" / "2021.ipynb"
    assert nbformat.read(path, as_version=4).metadata["impact_kit"]["site"] == "the-good-start"
    assert said[4].startswith(f"True {link}")  # clicked again: the evaluator's notebook, never written over


def test_the_picker_shows_nothing_in_a_run_of_the_kit(project):
    with report_run():
        assert ik.picker("data") is None

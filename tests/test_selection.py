"""What of a working notebook goes into its report: the master's cells, Markdown, cells tagged `report`."""

from __future__ import annotations

import shutil
import time

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import SAMPLE

from impact_kit.cli import main
from impact_kit.data.dataset import load_dataset
from impact_kit.render.export import export_html
from impact_kit.reports.parameters import SITE_NOTEBOOK
from impact_kit.reports.selection import is_master_cell, left_out_notes, report_cells
from impact_kit.reports.working import create_working_notebook

SCRATCH = "Scratch-output-3e9d"
TAGGED = "Tagged-output-8b21"
COMMENT = "Regard-5a0c"


@pytest.fixture
def project(tmp_path):
    """A project folder: a copy of the sample data in data/, nothing else."""
    shutil.copytree(SAMPLE, tmp_path / "data")
    return tmp_path


def explored(path, *, count=True):
    """Add to a working notebook what an evaluator does in Lab: a comment, two scratch cells, one tagged `report`."""
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.source == "report.level(2)")
    added = [
        nbformat.v4.new_markdown_cell(f"## Regard de l'évaluatrice\n\n{COMMENT}"),
        nbformat.v4.new_code_cell(f"print({SCRATCH!r})"),
        nbformat.v4.new_code_cell("1/0"),
        nbformat.v4.new_code_cell(f"print({TAGGED!r})", metadata={"tags": ["report"]}),
    ]
    if count:  # as Lab saves them after Run All: the scratch cell that failed is [19]
        for number, cell in enumerate(added[1:], start=18):
            cell.execution_count = number
    nb.cells[at:at] = added
    nbformat.write(nb, path)
    return path


def test_master_cells_are_marked_and_an_older_copy_is_known_by_its_ids(project):
    path = create_working_notebook(load_dataset(project / "data"), "the-good-start", 2021)
    nb = nbformat.read(path, as_version=4)
    assert all(c.metadata["impact_kit"]["master"] for c in nb.cells)
    older = nbformat.read(SITE_NOTEBOOK, as_version=4)  # a copy made before the mark: the master's ids
    older.metadata["impact_kit"] = {"site": "the-good-start", "year": 2021}
    older.cells.append(nbformat.v4.new_code_cell("report.observations"))
    kept, left_out = report_cells(older)
    assert left_out == 1 and [c.source for c in kept.cells] == [c.source for c in older.cells[:-1]]
    pasted = nbformat.v4.new_code_cell("report.level(1)", metadata={"impact_kit": {"master": True}})
    assert is_master_cell(pasted)  # a master cell cut and pasted in Lab gets a new id, keeps its metadata
    older.metadata.pop("impact_kit")  # not a working notebook (a master given to batch): it runs whole
    assert report_cells(older) == (older, 0)


@pytest.mark.slow
def test_only_the_report_cells_run_and_the_export_says_how_many_stayed_out(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    path = explored(create_working_notebook(load_dataset(project / "data"), "the-good-start", 2021))
    assert main(["report", "the-good-start", "2021", "--notebook", str(path)]) == 0
    said = capsys.readouterr().err
    assert "note: notebooks/the-good-start/2021.ipynb: 2 code cells left out of the report (exploration)" in said
    page = (project / "reports" / "the-good-start" / "2021" / "report.html").read_text(encoding="utf-8")
    assert COMMENT in page and TAGGED in page and SCRATCH not in page
    executed = nbformat.read(project / "reports" / "the-good-start" / "2021" / "report.ipynb", as_version=4)
    assert not [c for c in executed.cells if c.source in ("1/0", f"print({SCRATCH!r})")]
    assert left_out_notes([SITE_NOTEBOOK]) == []
    # batch: the same rule, and the same line for each report it wrote from a working notebook
    assert main(["batch", "--site", "the-good-start", "--out", "batch"]) == 0
    assert "note: notebooks/the-good-start/2021.ipynb: 2 code cells left out" in capsys.readouterr().err
    batch_page = (project / "batch" / "the-good-start" / "2021" / "report.html").read_text(encoding="utf-8")
    assert COMMENT in batch_page and TAGGED in batch_page and SCRATCH not in batch_page


@pytest.mark.slow
def test_a_failing_report_cell_is_named_as_lab_shows_it(project, monkeypatch):
    from impact_kit.exceptions import ReportFailed
    from impact_kit.reports.run import run_report

    monkeypatch.chdir(project)
    path = explored(create_working_notebook(load_dataset(project / "data"), "the-good-start", 2021))
    nb = nbformat.read(path, as_version=4)
    [tagged] = [c for c in nb.cells if "report" in c.metadata.get("tags", [])]
    tagged.source = "ratio = 1 / 0  # the share of the year\nratio"
    nbformat.write(nb, path)
    with pytest.raises(ReportFailed) as info:
        run_report("the-good-start", 2021, data=project / "data", out=project / "reports", notebook=path)
    assert "the cell [20] `ratio = 1 / 0  # the share of the year` (ZeroDivisionError: division by zero)" in str(
        info.value
    )


def test_nbconvert_remove_tags_work_on_any_cell():
    def shown(source, tag):
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": [tag]})
        cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": f"<p>{source}-output</p>"})]
        return cell

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("Hidden-md-1f", metadata={"tags": ["remove-cell"]}),
            nbformat.v4.new_markdown_cell("Shown-md-2a"),
            shown("gone", "remove-cell"),
            shown("silent", "remove-output"),
            shown("kept", "remove-input"),
        ]
    )
    text = BeautifulSoup(export_html(nb), "html.parser").get_text()
    assert "Shown-md-2a" in text and "kept-output" in text
    assert "Hidden-md-1f" not in text and "gone-output" not in text and "silent-output" not in text


@pytest.mark.slow
def test_run_all_writes_no_report_and_export_writes_the_page_of_impact_kit_report(project, monkeypatch):
    """The issue's acceptance: Run All in a kernel of Lab's (JPY_SESSION_NAME), then report.export() in it.

    The kernel warms the export while idle (the evaluator reads, types the cell): its first
    export forks a kernel that imported nbconvert and the run already, and not before Run All ended.
    """
    from nbclient import NotebookClient

    path = explored(create_working_notebook(load_dataset(project / "data"), "the-good-start", 2021), count=False)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # what Lab tells its kernel: export() finds the notebook
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=240, allow_errors=True, resources={"metadata": {"path": str(path.parent)}})
    check = "import sys\nprint(*(m in sys.modules for m in ('nbconvert', 'impact_kit.reports.run')))"
    with client.setup_kernel():
        for index, cell in enumerate(list(nb.cells)):
            client.execute_cell(cell, index)
        assert any(o.get("ename") == "ZeroDivisionError" for c in nb.cells for o in c.get("outputs", []))
        assert not (project / "reports").exists()  # every cell ran: no report written
        nb.cells.append(nbformat.v4.new_code_cell(check))
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)  # at once after Run All: nothing warmed during it
        said = [o["text"] for o in nb.cells[-1].outputs]
        deadline = time.monotonic() + 120  # the kernel idle a few seconds at a time (2 shared cores: slow at times)
        while said[-1] != "True True\n" and time.monotonic() < deadline:
            time.sleep(3)
            nb.cells.append(nbformat.v4.new_code_cell(check))
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
            said += [o["text"] for o in nb.cells[-1].outputs]
        nb.cells.append(nbformat.v4.new_code_cell("print(report.export().html)"))
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    assert said[0] == "False False\n" and said[-1] == "True True\n", said
    html = project / "reports" / "the-good-start" / "2021" / "report.html"
    assert [o.get("text") for o in nb.cells[-1].outputs if o.get("name") == "stdout"] == [f"{html}\n"]
    page = html.read_text(encoding="utf-8")
    assert COMMENT in page and TAGGED in page and SCRATCH not in page
    monkeypatch.chdir(project)
    assert main(["report", "the-good-start", "2021", "--notebook", str(path), "--out", "elsewhere"]) == 0
    assert (project / "elsewhere" / "the-good-start" / "2021" / "report.html").read_text(encoding="utf-8") == page


@pytest.mark.slow
def test_the_export_from_lab_names_a_failing_report_cell_and_keeps_the_kits_errors(project):
    """report.export() runs in a forked child of the kernel: the command line's errors come back whole."""
    from impact_kit.exceptions import NotFound, ReportFailed
    from impact_kit.reports.lab import export_report

    path = explored(create_working_notebook(load_dataset(project / "data"), "the-good-start", 2021))
    nb = nbformat.read(path, as_version=4)
    [tagged] = [c for c in nb.cells if "report" in c.metadata.get("tags", [])]
    tagged.source = "1 / 0"
    nbformat.write(nb, path)
    with pytest.raises(ReportFailed, match=r"the notebook failed at the cell \[20\] `1 / 0` \(ZeroDivisionError"):
        export_report("the-good-start", 2021, data=project / "data", notebook=path)
    assert (project / "reports" / "the-good-start" / "2021" / "report.failed.ipynb").exists()
    with pytest.raises(NotFound, match="has no site 'the-good'"):
        export_report("the-good", 2021, data=project / "data", notebook=path)

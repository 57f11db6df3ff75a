"""The evaluator's loop: working notebooks, their commentary in one report, short errors, exploring one site."""

from __future__ import annotations

import json
import os
import re
import shutil

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import SAMPLE

import impact_kit as ik
from impact_kit.cli import main
from impact_kit.data.dataset import Dataset, load_dataset, site_not_found
from impact_kit.data.sites import SITES_LISTED
from impact_kit.exceptions import CELL_LINES, InvalidArgument, InvalidData, NotFound
from impact_kit.grid.model import NOT_ASKED
from impact_kit.render.export import export_html
from impact_kit.render.markup import STYLE_MARK, Html
from impact_kit.reports.parameters import SITE_NOTEBOOK, notebook_parameters
from impact_kit.reports.working import (
    check_working_notebook,
    commentary_cells,
    create_working_notebook,
    older_than_master,
    working_notebook_path,
)


@pytest.fixture
def project(tmp_path):
    """A project folder: a copy of the sample data in data/, nothing else."""
    shutil.copytree(SAMPLE, tmp_path / "data")
    return tmp_path


def add_commentary(path, text, *, before="report.level(2)"):
    """Add an evaluator's Markdown cell to a working notebook, as JupyterLab saves it."""
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.source == before)
    nb.cells.insert(at, nbformat.v4.new_markdown_cell(text))
    nbformat.write(nb, path)


# -- a site not found ----------------------------------------------------------------------


def test_a_site_not_found_names_prefixes_and_every_site_with_its_years():
    dataset = load_dataset(SAMPLE)
    for typed, meant in (("les-halles", "les-halles-ephemeres-exemple"), ("the-good", "the-good-start")):
        message = str(site_not_found(dataset, typed))
        assert f"has no site {typed!r}. Did you mean {meant!r}" in message
        assert len(message.splitlines()) <= CELL_LINES
    years = dataset.observations.groupby("site")["year"].unique()
    listed = str(site_not_found(dataset, "nowhere")).splitlines()[1]
    for site in dataset.sites.index:
        assert f"{site} ({', '.join(map(str, sorted(years[site])))})" in listed
    named = [part.split(" (")[0] for part in listed.removeprefix("Its sites: ").split("; ")]
    assert named == sorted(dataset.sites.index)  # issue 29, Why 19: not in sites.csv's order


def test_a_big_folder_is_not_listed(grid, tmp_path):
    ids = [f"site-{n:02d}" for n in range(SITES_LISTED + 1)]
    sites = pd.DataFrame({"name": ids, "city": "Lyon"}, index=pd.Index(ids, name="site"))
    obs = pd.DataFrame({"site": ids, "year": 2023, "criterion": "x", "question": "y", "value": "z"})
    message = str(site_not_found(Dataset(tmp_path, grid, sites, obs), "site-1"))
    assert "Did you mean 'site-10'" in message and "site-03" not in message
    assert f"It has {SITES_LISTED + 1} sites" in message and len(message.splitlines()) == 2


def test_errors_show_at_most_three_lines_in_a_cell():
    short = NotFound("data/sites.csv has no site 'x'.")._render_traceback_()
    assert len(short) == 1 and "NotFound" in short[0] and "has no site 'x'." in short[0]
    many = InvalidData.single("observations.csv", "bad", row=3)
    many = InvalidData(many.problems * 10)._render_traceback_()
    assert len(many) == CELL_LINES and "more lines" in many[-1] and "sys.last_value" in many[-1]


# -- exploring -----------------------------------------------------------------------------


def test_sites_lists_names_cities_and_years():
    table = ik.sites(SAMPLE)
    dataset = load_dataset(SAMPLE)
    assert list(table.index) == list(dataset.sites.index)
    assert table.loc["the-good-start", "name"] == dataset.sites.loc["the-good-start", "name"]
    pairs = dataset.observations[["site", "year"]].drop_duplicates()
    for site, years in table["years"].items():
        assert years == sorted(int(y) for y in pairs.loc[pairs["site"] == site, "year"])
    assert table["observations"].sum() == len(dataset.observations)


def test_observations_of_a_report_are_in_words(grid):
    report = ik.SiteReport.load("the-good-start", 2021, data=SAMPLE)
    rows = report.observations
    dataset = load_dataset(SAMPLE)
    mine = dataset.observations[(dataset.observations["site"] == "the-good-start")]
    assert len(rows) == len(mine[mine["year"] == 2021]) and set(rows["year"]) == {2021}
    for row in rows.itertuples():
        if row.question_id == NOT_ASKED:  # The Good Start's platform does not ask the urban-project level
            assert (row.level, row.question, row.answer) == (
                "Impact sur le projet urbain",
                "Question posée par le questionnaire d'origine",
                "non",
            )
            continue
        criterion = grid.criterion(row.criterion_id)
        question = grid.question(row.criterion_id, row.question_id)
        assert row.question == question.label("fr")
        if criterion is not None:
            assert (row.criterion, row.level) == (criterion.label("fr"), grid.level(criterion.level).label("fr"))
        option = question.option(row.value)
        assert row.answer == (option.label("fr") if option else row.value)
    assert rows["answer"].ne(rows["value"]).any()  # options are in words


# -- the working notebook ------------------------------------------------------------------


def test_notebook_command_writes_the_copy_once(project, capsys, monkeypatch):
    from ipykernel.ipkernel import IPythonKernel

    monkeypatch.chdir(project)
    assert main(["notebook", "the-good-start", "2021", "--lang", "en"]) == 0
    printed = capsys.readouterr().out.strip()
    path = project / printed
    assert printed == os.path.join("notebooks", "the-good-start", "2021.ipynb") and path.is_file()
    defaults = {name: info["default"] for name, info in notebook_parameters(path).items()}
    assert defaults["site"] == '"the-good-start"' and defaults["year"] == "2021" and defaults["lang"] == '"en"'
    assert (path.parent / json.loads(defaults["data"])).resolve() == (project / "data").resolve()
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.language_info == IPythonKernel.language_info  # Lab finds nothing to change on opening
    assert [c.source for c in nb.cells[3:]] == [c.source for c in nbformat.read(SITE_NOTEBOOK, as_version=4).cells[3:]]
    before = path.read_bytes()
    assert main(["notebook", "the-good-start", "2021"]) == 2
    err = capsys.readouterr().err
    assert "exists already" in err and "never overwritten" in err and "rename or delete it" in err
    assert path.read_bytes() == before
    assert main(["notebook", "les-halles", "2022"]) == 2
    assert "Did you mean 'les-halles-ephemeres-exemple'?" in capsys.readouterr().err
    assert main(["notebook", "the-good-start", "2030"]) == 2
    assert not (project / "notebooks" / "les-halles").exists() and not (path.parent / "2030.ipynb").exists()


def test_a_copy_of_an_older_master_or_another_site_is_told(project):
    dataset = load_dataset(project / "data")
    path = create_working_notebook(dataset, "the-good-start", 2021)
    assert older_than_master(path) is None
    nb = nbformat.read(path, as_version=4)
    nb.metadata.impact_kit.master_sha256 = "0" * 64
    nbformat.write(nb, path)
    said = older_than_master(path)
    assert said and "older master notebook" in said and "`impact-kit notebook` again" in said
    with pytest.raises(InvalidArgument, match="is the working notebook of the-good-start 2021, not of"):
        check_working_notebook(path, "les-halles-ephemeres-exemple", 2022)


def test_evaluator_markdown_renders_as_in_lab_and_is_counted(project):
    dataset = load_dataset(project / "data")
    path = create_working_notebook(dataset, "the-good-start", 2021)
    assert commentary_cells(path) == 0
    add_commentary(path, "## Regard\n\n**Fort** <script>alert(1)</script> <b>x</b> [lien](javascript:alert(1))")
    assert commentary_cells(path) == 1
    page = export_html(nbformat.read(path, as_version=4))
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("strong", string="Fort") and soup.find("b", string="x")  # <b> is bold, as in Lab
    assert "<script>alert" not in page and "alert(1)" not in soup.get_text()  # tests/test_commentary.py: the rest
    assert 'href="javascript:' not in page


def test_a_section_carries_its_notebook_style_and_the_page_one_stylesheet():
    folded = Html('<details class="ik-more"><summary>…</summary>x</details>', name="testimony")
    assert folded._repr_html_().startswith(STYLE_MARK) and ".ik-more[open] .ik-closed" in folded._repr_html_()
    wide = Html('<div class="ik-table-wrap"><table class="ik-table"></table></div>', name="table")
    assert "overflow-x: auto" in wide._repr_html_() and ".ik-more" not in wide._repr_html_()
    assert Html("<p>plain</p>")._repr_html_() == "<p>plain</p>"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("report.level('x')")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": folded._repr_html_() + wide._repr_html_()})]
    nb.cells = [cell]
    page = export_html(nb)
    assert STYLE_MARK not in page and "ik-more" in page
    assert page.count("<style") == export_html(nbformat.v4.new_notebook()).count("<style")  # report.css, once


def test_working_notebook_path_is_beside_the_data(project):
    dataset = load_dataset(project / "data")
    assert working_notebook_path(dataset, "x", 2021) == project / "notebooks" / "x" / "2021.ipynb"


# -- batch and report use it ---------------------------------------------------------------


@pytest.mark.slow
def test_batch_puts_the_commentary_in_that_report_only_and_reruns_it_alone(project, capsys, monkeypatch):
    from impact_kit.batch.run import run_batch

    monkeypatch.chdir(project)
    assert main(["notebook", "the-good-start", "2021"]) == 0
    path = project / capsys.readouterr().out.strip()
    unique = "Commentaire-unique-7f3a <b>pas du gras</b>"
    add_commentary(path, f"## Regard de l'évaluatrice\n\n{unique}")
    nb = nbformat.read(path, as_version=4)  # exploration: stays out of the report, never fails it
    nb.cells[-1:-1] = [nbformat.v4.new_code_cell("1/0"), nbformat.v4.new_code_cell("print('Scratch-2c4e')")]
    nbformat.write(nb, path)
    sites = ["the-good-start", "la-cour-partagee-exemple"]
    out = project / "reports"
    first = run_batch(data=project / "data", out=out, sites=sites, progress=False)
    assert len(first.done) == 3 and not first.failed
    pages = {p: p.read_text(encoding="utf-8") for p in out.glob("*/*/report.html")}
    holding = [p.relative_to(out).as_posix() for p, text in pages.items() if "Commentaire-unique-7f3a" in text]
    assert holding == ["the-good-start/2021/report.html"]
    text = pages[out / "the-good-start" / "2021" / "report.html"]
    assert "<b>pas du gras</b>" in text  # as JupyterLab shows it
    assert "Scratch-2c4e" not in text
    index = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    marked = [tag.find_parent("tr")["data-search"] for tag in index.select(".ik-commentary")]
    assert len(marked) == 1 and "the-good-start" in marked[0] and "2021" in marked[0]
    again = run_batch(data=project / "data", out=out, sites=sites, progress=False)
    assert len(again.skipped) == 3 and not again.done
    os.utime(path)  # touched: that report alone is made again
    touched = run_batch(data=project / "data", out=out, sites=sites, progress=False)
    assert [j.key for j in touched.done] == ["the-good-start/2021"] and len(touched.skipped) == 2
    # What `impact-kit report --notebook` (and so report.export()) writes equals what batch wrote.
    batch_page = text
    elsewhere = project / "elsewhere"
    assert main(["report", "the-good-start", "2021", "--notebook", str(path), "--out", str(elsewhere)]) == 0
    assert (elsewhere / "the-good-start" / "2021" / "report.html").read_text(encoding="utf-8") == batch_page


@pytest.mark.slow
def test_plot_shows_once_and_errors_are_short_in_a_real_kernel():
    """A real ipykernel with its default inline backend, as JupyterLab runs it."""
    from nbclient import NotebookClient

    load = f'import impact_kit as ik\nreport = ik.SiteReport.load("the-good-start", 2021, data={str(SAMPLE)!r})'
    cells = {
        "load": load,
        "plain": 'report.plot("coverage")',
        "kwargs": 'report.plot("coverage", edgecolor="black")',
        "ax": 'import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nreport.plot("coverage", ax=ax)',
        "ax, then more": 'fig, ax = plt.subplots()\nreport.plot("coverage", ax=ax)\nax.set_title("mine")',
        "silenced": 'report.plot("intensity");',
        "assigned": 'fig = report.plot("publics")\ntype(fig).__name__',
        "portfolio": f'ik.PortfolioReport.load(2023, data={str(SAMPLE)!r}).plot("effects")',
        "wrong site": f'ik.SiteReport.load("the-good", 2021, data={str(SAMPLE)!r})',
        "section": 'report.chart("coverage")',
    }
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells.values()])
    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3").execute()
    out = dict(zip(cells, nb.cells, strict=True))

    def images(name):
        return sum("image/png" in o.get("data", {}) for o in out[name].outputs)

    for name in ("plain", "kwargs", "ax", "ax, then more", "silenced", "assigned", "portfolio"):
        assert images(name) == 1, name
    [value] = [o for o in out["assigned"].outputs if o.output_type == "execute_result"]
    assert value["data"]["text/plain"] == "'Figure'"  # plot() returned the Figure; it showed at the cell's end
    [error] = [o for o in out["wrong site"].outputs if o.output_type == "error"]
    assert 1 <= len(error.traceback) <= CELL_LINES and "the-good-start" in error.traceback[0]
    assert not any(re.search(r"File .*\.py", line) for line in error.traceback)
    html = out["section"].outputs[0]["data"]["text/html"]
    assert html.startswith(STYLE_MARK) and ".ik-table-scroll" in html.split("</style>")[0]  # its figures' table


def test_export_does_nothing_inside_a_run_of_the_kit_or_without_a_notebook(monkeypatch, capsys, tmp_path):
    from impact_kit.reports.lab import IN_RUN, Exported, report_run

    report = ik.SiteReport.load("the-good-start", 2021, data=SAMPLE)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with report_run():
        assert os.environ[IN_RUN] and report.export() is None
    assert IN_RUN not in os.environ and capsys.readouterr().err == ""
    assert report.export() is None  # papermill or a script: no notebook open in an editor
    assert "nothing exported" in capsys.readouterr().err
    shown = Exported(tmp_path / "r" / "report.html", tmp_path / "r" / "report.pdf")
    assert shown._repr_html_().count("<a href=") == 2 and "report.pdf" in repr(shown)


def _damage(project, how):
    """Damage the-good-start 2021's working notebook as users did: a save cut short, a bad year, a copied one."""
    dataset = load_dataset(project / "data")
    path = create_working_notebook(dataset, "the-good-start", 2021)
    if how == "not json":
        path.write_bytes(path.read_bytes()[:500])
    elif how == "year abc":
        nb = nbformat.read(path, as_version=4)
        nb.metadata.impact_kit.year = "abc"
        nbformat.write(nb, path)
    else:  # the notebook of another site-year, copied over this one's
        other = create_working_notebook(dataset, "la-cour-partagee-exemple", 2023)
        shutil.copy(other, path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("how", ["not json", "year abc", "another site"])
def test_a_damaged_working_notebook_fails_its_own_report_only(project, capsys, how):
    path = _damage(project, how)
    out = project / "reports"
    data = ["--data", str(project / "data"), "--out", str(out)]
    assert main(["batch", *data, "--site", "the-good-start", "--site", "la-cour-partagee-exemple"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "1 failed" in err and f"failed: the-good-start/2021: {path}" in err
    assert sorted(p.relative_to(out).parent.as_posix() for p in out.glob("*/*/report.html")) == [
        "la-cour-partagee-exemple/2023",
        "la-cour-partagee-exemple/2024",
    ]
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["jobs"]["the-good-start/2021"]
    index = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    [failed] = index.select("#ik-index-table .ik-failed")  # one row per site: the failed year is marked
    assert entry["status"] == "failed" and failed["title"] == entry["error"] and str(path) in entry["error"]
    # `impact-kit report` of that site-year refuses it the same way (exit 2), without a traceback.
    assert main(["report", "the-good-start", "2021", *data]) == 2
    said = capsys.readouterr().err
    assert "Traceback" not in said and str(path) in said
    if how == "another site":  # which file to rename, and to what
        renamed = project / "notebooks" / "la-cour-partagee-exemple" / "2023.ipynb"
        assert f"rename it to {renamed}" in said
    elif how == "year abc":
        assert "gives 'abc', which is not a year" in said


@pytest.mark.slow
def test_export_warns_when_cells_ran_since_the_notebook_was_saved(project, monkeypatch):
    """Lab marks a notebook modified once a cell runs; export() uses the file as saved, and says so then."""
    from nbclient import NotebookClient

    path = create_working_notebook(load_dataset(project / "data"), "the-good-start", 2021)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # what Lab tells its kernel
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=240, resources={"metadata": {"path": str(path.parent)}})

    def export() -> str:
        nb.cells.append(nbformat.v4.new_code_cell("report.export()"))
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
        assert "ik-exported" in str(nb.cells[-1].outputs)
        return "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stderr")

    with client.setup_kernel():
        for index, cell in enumerate(list(nb.cells)):
            client.execute_cell(cell, index)
        assert "was last saved before the cells you ran since" in export()  # Run All, then export: not saved
        os.utime(path)  # Ctrl+S
        assert "last saved" not in export()

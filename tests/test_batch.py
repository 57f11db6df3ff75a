"""The batch: every site-year on warm forked workers, resume, failures, kills, the index, Dask."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, SAMPLE

from impact_kit.batch.run import Job, plan, run_batch
from impact_kit.cli import main
from impact_kit.data.dataset import load_dataset
from impact_kit.exceptions import NotFound
from impact_kit.reports.parameters import SITE_NOTEBOOK

pytestmark = pytest.mark.slow

FABRIQUE = "la-fabrique-des-possibles-exemple"


def state(out: Path) -> dict[str, int]:
    """Every report file's modification time: what a rerun must leave alone."""
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in sorted(out.rglob("report.*"))}


def no_debris(out: Path) -> None:
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix in (".tmp", ".partial")]
    assert leftovers == []


def test_plan_one_job_per_site_year_with_filters(grid):
    dataset = load_dataset(SAMPLE)
    assert len(plan(dataset)) == 15
    assert plan(dataset, sites=[FABRIQUE], years=[2022, 2023]) == [Job(FABRIQUE, 2022), Job(FABRIQUE, 2023)]
    with pytest.raises(NotFound, match=r"has no site 'the-good'\. Did you mean 'the-good-start'\?\nIts sites: "):
        plan(dataset, sites=["the-good"], years=[1999])  # a site not in sites.csv: the close ids and every site
    with pytest.raises(NotFound, match="has no observations for '1999'"):
        plan(dataset, sites=[FABRIQUE], years=[1999])
    english = plan(dataset, parameters=ROOT / "parameters", sites=["tiers-lieu-des-trois-rivieres-exemple"])
    assert [job.lang for job in english] == ["fr", "en"]  # its 2022 parameters file says lang: en


def test_every_report_index_and_manifest(sample_batch):
    out, result = sample_batch
    assert result.exit_code == 0 and len(result.done) == 15 and not result.failed
    for job in result.done:
        folder = out / job.site / str(job.year)
        assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.ipynb"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["jobs"]) == 15
    entry = manifest["jobs"]["the-good-start/2021"]
    assert entry["status"] == "done" and len(entry["fingerprint"]) == 64 and entry["duration"] > 0
    english = (out / "tiers-lieu-des-trois-rivieres-exemple" / "2022" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english
    no_debris(out)


def test_the_index_lists_links_and_filters_offline(sample_batch):
    out, _ = sample_batch
    text = (out / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    rows = soup.select("tbody tr")
    # One row per site (7), its years as links: 15 reports (issue 27: at 5,000 sites, 5,000 rows, not 15,000).
    assert len(rows) == 7 and len(soup.select("tbody td:nth-of-type(2) a")) == 15
    assert [r.select_one("th").get_text() for r in rows][:2] == [
        "Cœur de Friche (exemple)",
        "L'Atelier du Canal (exemple)",
    ]
    coeur = rows[0]
    assert [a.get_text() for a in coeur.select("td:nth-of-type(2) a")] == ["2021", "2022", "2023"]
    assert coeur.th.a["href"] == "coeur-de-friche-exemple/2023/report.html"  # the latest report
    for link in soup.select("tbody a"):
        assert not link["href"].startswith(("/", "http")) and (out / link["href"]).is_file()
    assert soup.select_one("label[for=ik-filter]") and soup.select_one("input#ik-filter")
    assert soup.select_one("#ik-none[hidden]").get_text() == "Aucun site ne correspond au filtre."
    assert "http://" not in text and "https://" not in text and not soup.find_all(src=True)
    good = next(r for r in rows if "The Good Start" in r.get_text())
    cells = [td.get_text() for td in good.find_all("td")]
    assert cells[:2] == ["Pantin", "2021"] and cells[-2:] == ["8", "0"]
    # Cœur de Friche's latest report: 1 positive and 3 negative criteria, each in its own column.
    assert [td.get_text() for td in coeur.find_all("td")][-2:] == ["1", "3"]
    assert [a["title"] for a in soup.select("thead abbr")][-2:] == [
        "Critères présentant un effet positif, sur 15", "Critères présentant un effet négatif"]  # fmt: skip


def test_a_rerun_with_nothing_changed_regenerates_nothing(sample_batch):
    out, _ = sample_batch
    before = state(out)
    result = run_batch(data=SAMPLE, out=out, parameters=ROOT / "parameters", progress=False)
    assert len(result.skipped) == 15 and not result.done
    assert state(out) == before


def test_a_change_regenerates_only_the_reports_that_depend_on_it(sample_batch, tmp_path):
    out, _ = sample_batch
    copy = tmp_path / "reports"
    shutil.copytree(out, copy)
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    with (data / "observations.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{FABRIQUE},2022,sante,testimony,Un témoignage de plus.\n")
    result = run_batch(data=data, out=copy, parameters=ROOT / "parameters", progress=False)
    # 2022 changed; 2023 compares with 2022, so it depends on it too; 2021 does not.
    assert sorted((j.site, j.year) for j in result.done) == [(FABRIQUE, 2022), (FABRIQUE, 2023)]
    assert len(result.skipped) == 13
    assert "Un témoignage de plus." in (copy / FABRIQUE / "2022" / "report.html").read_text(encoding="utf-8")


def test_a_deleted_report_is_made_again(sample_batch, tmp_path):
    out, _ = sample_batch
    copy = tmp_path / "reports"
    shutil.copytree(out, copy)
    (copy / "the-good-start" / "2021" / "report.html").unlink()
    result = run_batch(data=SAMPLE, out=copy, parameters=ROOT / "parameters", progress=False)
    assert [(j.site, j.year) for j in result.done] == [("the-good-start", 2021)]


def broken_notebook(tmp_path: Path, code: str) -> Path:
    nb = nbformat.read(SITE_NOTEBOOK, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.source == "report.summary()")
    nb.cells.insert(at, nbformat.v4.new_code_cell(code))
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_failing_job_does_not_stop_the_others(tmp_path):
    flag = tmp_path / "fail"
    flag.touch()
    code = f"import os\nif site == 'the-good-start' and os.path.exists({str(flag)!r}):\n    raise RuntimeError('boom')"
    notebook = broken_notebook(tmp_path, code)
    out = tmp_path / "out"
    result = run_batch(data=SAMPLE, out=out, years=[2021], notebook=notebook, progress=False)
    assert result.exit_code == 1
    assert [j.site for j, _ in result.failed] == ["the-good-start"]
    assert "RuntimeError: boom" in result.failed[0][1]
    assert len(result.done) == 3
    failed = out / "the-good-start" / "2021"
    assert sorted(p.name for p in failed.iterdir()) == ["report.failed.ipynb"]
    nb = nbformat.read(failed / "report.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in nb.cells for o in c.get("outputs", []))
    soup = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    row = next(r for r in soup.select("tbody tr") if "The Good Start" in r.get_text())
    assert "échec" in row.get_text() and row.a["href"] == "the-good-start/2021/report.failed.ipynb"
    # Once the cause is gone, the next run tries the failed job again, and only it.
    flag.unlink()
    again = run_batch(data=SAMPLE, out=out, years=[2021], notebook=notebook, progress=False)
    assert [(j.site, j.year) for j in again.done] == [("the-good-start", 2021)] and len(again.skipped) == 3
    assert not (failed / "report.failed.ipynb").exists()


def test_a_killed_worker_costs_one_job_and_leaves_no_partial_file(tmp_path):
    notebook = broken_notebook(
        tmp_path, "import os, signal\nif site == 'the-good-start':\n    os.kill(os.getpid(), signal.SIGKILL)"
    )
    out = tmp_path / "out"
    result = run_batch(data=SAMPLE, out=out, years=[2021], notebook=notebook, progress=False)
    assert [j.site for j, _ in result.failed] == ["the-good-start"]
    assert "signal 9" in result.failed[0][1] or "SIGKILL" in result.failed[0][1]
    assert len(result.done) == 3 and not (out / "the-good-start" / "2021").exists()
    no_debris(out)
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob(f"impact-kit-run-{os.getpid()}-*"))


def test_a_timeout_costs_one_job(tmp_path):
    notebook = broken_notebook(tmp_path, "import time\nif site == 'the-good-start':\n    time.sleep(60)")
    result = run_batch(data=SAMPLE, out=tmp_path / "out", years=[2021], notebook=notebook, timeout=20, progress=False)
    assert [j.site for j, _ in result.failed] == ["the-good-start"] and len(result.done) == 3
    assert "20" in result.failed[0][1]


def test_ctrl_c_stops_the_batch_cleanly_and_the_next_run_completes_it(tmp_path):
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "impact_kit.cli",
        "batch",
        "--data",
        str(SAMPLE),
        "--out",
        str(out),
        "--workers",
        "1",
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.rglob("report.html"))) < 2:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err
    no_debris(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    written = len(manifest["jobs"])
    # A report written just before the Ctrl-C may not be recorded yet: it is redone next time.
    assert written < 15
    result = run_batch(data=SAMPLE, out=out, progress=False)
    assert len(result.done) + len(result.skipped) == 15 and len(result.skipped) == written
    assert len(list(out.rglob("report.html"))) == 15


def test_batch_command_exit_codes_and_summary(capsys, tmp_path):
    assert main(["batch", "--data", str(SAMPLE), "--out", str(tmp_path), "--site", "the-good-start"]) == 0
    captured = capsys.readouterr()
    assert "Reports: 1 planned, 1 written, 0 up to date, 0 failed" in captured.err
    assert captured.out.strip() == str((tmp_path / "index.html").resolve())
    assert main(["batch", "--data", str(SAMPLE), "--out", str(tmp_path), "--year", "1999"]) == 2
    err = capsys.readouterr().err
    assert "has no observations for '1999'" in err and "Traceback" not in err


def without_dates(text: str) -> str:
    return re.sub(r"\d{1,2} \w+ 20\d\d|20\d\d-\d\d-\d\dT[\d:.+]+", "<date>", text)


def test_dask_local_cluster_gives_the_same_reports(sample_batch, tmp_path):
    pytest.importorskip("dask.distributed")
    out, _ = sample_batch
    dask_out = tmp_path / "dask"
    sites = ["the-good-start", FABRIQUE]
    result = run_batch(
        data=SAMPLE,
        out=dask_out,
        sites=sites,
        scheduler="local",
        workers=2,
        parameters=ROOT / "parameters",
        progress=False,
    )
    assert result.exit_code == 0 and len(result.done) == 4
    for job in result.done:
        mine = (dask_out / job.site / str(job.year) / "report.html").read_text(encoding="utf-8")
        local = (out / job.site / str(job.year) / "report.html").read_text(encoding="utf-8")
        assert without_dates(mine) == without_dates(local), job.key


def test_batch_prints_pdfs(tmp_path):
    from conftest import need_chromium

    need_chromium()
    out = tmp_path / "out"
    result = run_batch(data=SAMPLE, out=out, sites=["the-good-start"], pdf=True, progress=False)
    assert result.exit_code == 0
    pdf = out / "the-good-start" / "2021" / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    no_debris(out)


def test_the_parent_measures_the_grid_s_texts_once_for_every_child():
    """warm_workers draws a sample job's charts before the fork: its children find the texts' sizes known."""
    from impact_kit.batch.jobs import warm_workers
    from impact_kit.render import fit

    dataset = load_dataset(SAMPLE)
    [job] = plan(dataset, years=[2023], sites=["la-fabrique-des-possibles-exemple"], lang="en", pseudonymise=False)
    fit._SIZES.clear()
    warm_workers(dataset=dataset, samples=[job])
    measured = {key[0] for key in fit._SIZES}
    level = dataset.grid.levels[0].label("en")
    assert any(len(text) > 3 and level.startswith(text) for text in measured), sorted(measured)[:20]  # its first line

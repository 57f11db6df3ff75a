"""A report.docx someone may be editing survives every later run that did not ask for one (issue 29, Build 1).

The "Why": six sequences of runs without ``--docx`` (report then report, report then batch,
``batch --docx`` then ``batch --force``, a batch after a data change...) each deleted the
``report.docx`` the README promised to leave as it was.
"""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLE

from impact_kit.batch.run import run_batch
from impact_kit.cli import main

pytestmark = pytest.mark.slow

SITE, YEAR = "the-good-start", 2021
KEY = f"{SITE}/{YEAR}"


class Runs:
    """One site-year's reports folder, written by `impact-kit report` and `impact-kit batch` in turn."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.data = root / "data"
        shutil.copytree(SAMPLE, self.data)
        self.out = root / "reports"
        self.folder = self.out / SITE / str(YEAR)
        self.capsys = capsys
        self.said = ""  # what the last `impact-kit report` said on stderr

    def report(self, *options: str) -> str:
        args = ["report", SITE, str(YEAR), "--data", str(self.data), "--out", str(self.out), *options]
        assert main(args) == 0
        self.said = self.capsys.readouterr().err
        return self.said

    def batch(self, **options: object) -> None:
        result = run_batch(data=self.data, out=self.out, sites=[SITE], years=[YEAR], progress=False, **options)
        assert result.exit_code == 0 and [j.key for j in result.done] == [KEY]

    def change_data(self) -> None:
        with (self.data / "observations.csv").open("a", encoding="utf-8") as handle:
            handle.write(f"{SITE},{YEAR},sante,testimony,Une phrase ajoutée après le premier rapport.\n")

    def docx(self) -> bytes:
        return (self.folder / "report.docx").read_bytes()

    def stale(self) -> list[str]:
        return json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))["jobs"][KEY]["stale"]

    def index(self) -> str:
        return (self.out / "index.html").read_text(encoding="utf-8")


@pytest.fixture
def runs(tmp_path, capsys) -> Runs:
    return Runs(tmp_path, capsys)


def _fake_browser(folder: Path) -> str:
    """A stand-in for Chromium that prints any page as a tiny PDF (this test is about files, not printing)."""
    script = folder / "fake-chromium"
    script.write_text(
        "#!/bin/sh\nfor a; do case $a in --print-to-pdf=*) printf '%%PDF-1.4 fake' > \"${a#--print-to-pdf=}\";; "
        "esac; done\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def _first_batch(runs: Runs) -> None:
    runs.batch(docx=True)


def _first_report(runs: Runs) -> None:
    runs.report("--docx")


SEQUENCES: dict[str, tuple[Callable[[Runs], None], Callable[[Runs], None], bool]] = {
    # name: (the run that writes report.docx, the later run without --docx, whether the later run is a batch)
    "report then report": (_first_report, lambda r: r.report(), False),
    "report then batch": (_first_report, lambda r: r.batch(), True),
    "batch --docx then batch --force": (_first_batch, lambda r: r.batch(force=True), True),
    "a batch after a data change": (_first_batch, lambda r: (r.change_data(), r.batch()), True),
    "batch --docx then report": (_first_batch, lambda r: r.report(), False),
}


@pytest.mark.parametrize("sequence", list(SEQUENCES))
def test_report_docx_survives_a_later_run_without_docx(runs, sequence):
    first, later, is_batch = SEQUENCES[sequence]
    first(runs)
    runs.capsys.readouterr()
    before = runs.docx()
    html = (runs.folder / "report.html").stat().st_mtime_ns
    later(runs)
    assert (runs.folder / "report.html").stat().st_mtime_ns != html  # the later run did write a new set
    assert runs.docx() == before
    if is_batch:  # the batch says it is from an earlier run: in its manifest and its index
        assert runs.stale() == ["report.docx"]
        assert "report.docx d’une version antérieure" in runs.index()
    else:
        assert "report.docx was left as it was" in runs.said


def test_report_docx_survives_report_pdf(runs, tmp_path, monkeypatch):
    runs.report("--docx")
    before = runs.docx()
    monkeypatch.setenv("IMPACT_KIT_BROWSER", _fake_browser(tmp_path))
    said = runs.report("--pdf")
    assert runs.docx() == before and (runs.folder / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert "report.docx was left as it was" in said


def test_a_stale_docx_is_no_reason_to_redo_a_report_and_asking_for_docx_brings_it_up_to_date(runs):
    runs.batch(docx=True)
    runs.batch(force=True)
    assert runs.stale() == ["report.docx"]
    # The stale copy is the user's now: editing it does not make the batch redo the report...
    edited = runs.docx() + b"an edit"
    (runs.folder / "report.docx").write_bytes(edited)
    again = run_batch(data=runs.data, out=runs.out, sites=[SITE], years=[YEAR], progress=False)
    assert [j.key for j in again.skipped] == [KEY]
    # ...and --docx redoes it, though a report.docx is there: the new one replaces it, no longer stale.
    runs.batch(docx=True)
    assert runs.stale() == [] and runs.docx() != edited
    assert "version antérieure" not in runs.index()


def test_without_pdf_a_redone_report_has_no_pdf(runs, tmp_path, monkeypatch):
    """The PDF is the kit's print of report.html, never edited: an older one beside a new page would mislead."""
    monkeypatch.setenv("IMPACT_KIT_BROWSER", _fake_browser(tmp_path))
    runs.report("--pdf")
    assert (runs.folder / "report.pdf").exists()
    runs.report()
    assert not (runs.folder / "report.pdf").exists()

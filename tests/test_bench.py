"""Every script of bench/ runs, with its smallest arguments: a benchmark that no longer starts measures nothing.

They measure and print; these tests check only that each one runs to the end (exit 0)
and prints its figures, not the figures themselves (speed is bench/'s business).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

BENCH = ROOT / "bench"

SMALLEST = {
    "batch.py": ["--sites", "2", "--chain-sample", "1", "--repeat", "1", "--big", "0"],
    "big_testimony.py": ["--mb", "0.05", "--repeat", "1"],
    "census.py": ["--site-years", "3", "--repeat", "1"],
    "ctrl_c.py": ["0"],  # no round: the two batches start, are measured and stopped
    "engine.py": ["--modes", "fork,floor", "--limit", "1"],
    "export.py": ["--repeat", "1"],
    "index.py": ["--sites", "12", "--repeat", "1"],
    "portfolio.py": ["--sites", "12"],
    "report_stages.py": ["--repeat", "1"],
    "synthetic.py": ["{tmp}/data", "6"],
    "word.py": ["--reports", "{reports}", "--repeat", "1"],
}


def test_every_bench_script_is_listed():
    assert sorted(p.name for p in BENCH.glob("*.py")) == sorted(SMALLEST)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SMALLEST))
def test_bench_script_runs_with_its_smallest_arguments(script, tmp_path, request):
    reports = ""
    if any("{reports}" in a for a in SMALLEST[script]):  # bench/word.py converts written reports: one is enough
        out, _ = request.getfixturevalue("sample_batch")
        reports = tmp_path / "reports"
        shutil.copytree(out / "the-good-start", reports / "the-good-start")
    args = [a.format(tmp=tmp_path, reports=reports) for a in SMALLEST[script]]
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (done.stdout + done.stderr).strip()  # it printed what it measured

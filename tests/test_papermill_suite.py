"""Papermill's own test suite (shipped in its wheel), run with each kit engine as papermill's default engine.

The plugin tests/papermill_suite/impact_kit_papermill.py lists the tests expected to fail,
each with its reason; every other test of the suite must pass on both kit engines. The
three runs go at once (three processes on the machine's cores). Each run has a temporary
folder of its own (TMPDIR), which the test removes: papermill's tests leave files in theirs
(``jupyter_checkpoints/``, ``output_test_autosave.ipynb`` in folders of ``mkdtemp``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import papermill.tests
import pytest

SUITE = Path(__file__).resolve().parent / "papermill_suite"
TESTS = Path(papermill.tests.__file__).resolve().parent
ENGINES = ("impact-kit", "impact-kit-inprocess")


def start(engine: str, folder: Path, *targets: str) -> tuple[subprocess.Popen, Path]:
    folder.mkdir()
    (temporary := folder.with_name(f"{folder.name}-tmp")).mkdir()  # removed by the test once the run is over
    report = folder / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "IMPACT_KIT_PAPERMILL"))}
    env |= {"PYTHONPATH": str(SUITE), "IMPACT_KIT_PAPERMILL_ENGINE": engine, "IMPACT_KIT_PAPERMILL_REPORT": str(report)}
    env["TMPDIR"] = str(temporary)
    command = [sys.executable, "-m", "pytest", *targets, "-p", "impact_kit_papermill", "-p", "no:cacheprovider"]
    command += ["-c", os.devnull, "--rootdir", str(folder), "-q", "-rfEx", "--no-header", "--color=no"]
    done = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return done, report


@pytest.mark.slow
def test_papermills_own_suite_passes_on_both_kit_engines(tmp_path: Path):
    sys.path.insert(0, str(SUITE))
    try:
        import impact_kit_papermill as plugin
    finally:
        sys.path.remove(str(SUITE))
    broken = [str(TESTS / name) for name in plugin.BROKEN_UPSTREAM]
    runs = {engine: start(engine, tmp_path / engine, "--pyargs", "papermill.tests") for engine in ENGINES}
    runs["nbclient"] = start("nbclient", tmp_path / "nbclient", *broken)  # papermill's own engine
    results = {}
    try:
        for engine, (process, report) in runs.items():
            output, _ = process.communicate(timeout=900)
            results[engine] = (process.returncode, output, json.loads(report.read_text(encoding="utf-8")))
    finally:
        for engine, (process, _) in runs.items():
            if process.poll() is None:
                process.kill()
                process.wait()
            shutil.rmtree(tmp_path / f"{engine}-tmp")
    for engine, (code, output, _) in results.items():
        assert code == 0, f"papermill's suite on the {engine} engine:\n{output[-6000:]}"
        lines = output.splitlines()
        assert sum(line.startswith("XFAIL") for line in lines) == len(
            plugin.BROKEN_UPSTREAM if engine == "nbclient" else plugin.MOCKS_NBCLIENT | plugin.BROKEN_UPSTREAM
        ), output[-3000:]
    for engine in ENGINES:
        report = results[engine][2]
        assert report["engine"] == engine
        assert report["tests"] >= 500, report  # papermill 2.7's suite, less its cloud storage modules: 505
        assert report["kit_engine_runs"] >= 20, report  # it runs 26 notebooks without naming an engine

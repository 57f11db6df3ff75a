"""Ctrl-C at the moments a terminal's timing rarely hits (issue 29, Why 11-13): each moment made certain.

A test process runs the ``impact-kit`` program with one function wrapped so that it sends
itself SIGINT at that moment, as a Ctrl-C landing there would. tests/test_batch.py,
test_reliability.py and test_hostile.py press Ctrl-C at times; bench/ctrl_c.py repeats them
on a loaded machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from impact_kit.engine import isolate
from impact_kit.files import RUN_PREFIX
from impact_kit.interrupts import CtrlC, held

#: Runs the program as `impact-kit` does, after `PATCH` (Python code) has wrapped a function.
PROGRAM = """
import os, signal, sys
def ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(50):  # let the handler run here, inside the moment, as a Ctrl-C landing there would
        sum(range(1000))
{patch}
from impact_kit.cli import program
sys.argv = ["impact-kit", *sys.argv[1:]]
program()
"""


def run_program(patch: str, *args: str, temporary: Path) -> subprocess.CompletedProcess[str]:
    """Run the command line with ``patch`` applied, and ``temporary`` as its TMPDIR (made if need be)."""
    temporary.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-c", PROGRAM.format(patch=patch), *args],
        cwd=ROOT,
        env=os.environ | {"TMPDIR": str(temporary)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def wrapped(module: str, name: str, body: str) -> str:
    """The patch that replaces ``module.name`` (a dotted name) by a function running ``body``.

    ``body`` (indented code) calls ``real(*args, **kwargs)`` and sets ``result``, which is returned.
    """
    owner, _, attribute = f"module.{name}".rpartition(".")
    return (
        f"import {module} as module\n"
        "from impact_kit.files import RUN_PREFIX\n"
        f"real = {owner}.{attribute}\n"
        "def wrapper(*args, **kwargs):\n"
        "    result = None\n"
        f"{body}"
        "    return result\n"
        f"{owner}.{attribute} = wrapper\n"
    )


def run_folders(temporary: Path | None = None) -> list[Path]:
    """The run folders in a program's own TMPDIR, or those of this process in the suite's.

    Never every run folder of the suite's TMPDIR: another test's, running beside (pytest-xdist), may be there.
    """
    if temporary is None:
        return sorted(Path(tempfile.gettempdir()).glob(f"{RUN_PREFIX}{os.getpid()}-*"))
    return sorted(temporary.glob(f"{RUN_PREFIX}*"))


@pytest.mark.slow
def test_a_ctrl_c_just_after_the_swap_says_the_report_is_written(tmp_path):
    """The new set in place, a Ctrl-C exited 130 "interrupted" (16 of 16 tries): it now changes nothing."""
    out = tmp_path / "out"
    patch = wrapped("impact_kit.reports.publish", "_swap", "    result = real(*args, **kwargs)\n    ctrl_c()\n")
    command = ["report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out)]
    done = run_program(patch, *command, temporary=tmp_path / "tmp")
    assert done.returncode == 0, done.stderr
    assert "interrupted" not in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.strip().endswith("report.html")
    target = out / "the-good-start" / "2021"
    assert sorted(p.name for p in target.iterdir()) == ["report.html", "report.ipynb"]
    assert [p.name for p in target.parent.iterdir()] == ["2021"]  # the previous set's folder went too
    assert run_folders(tmp_path / "tmp") == []


@pytest.mark.slow
def test_a_ctrl_c_as_the_run_folder_is_removed_still_removes_it(tmp_path):
    """A Ctrl-C inside the removal of the run's folder left kernel.json, its sockets and kernel.log."""
    out = tmp_path / "out"
    patch = wrapped(
        "impact_kit.files",
        "shutil.rmtree",
        "    if RUN_PREFIX in str(args[0]):\n        ctrl_c()\n    result = real(*args, **kwargs)\n",
    )
    command = ["report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out)]
    done = run_program(patch, *command, temporary=tmp_path / "tmp")
    # The report was in place before its run folder went: exit 0; the Ctrl-C did not cut the removal.
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert run_folders(tmp_path / "tmp") == []


@pytest.mark.slow
def test_a_ctrl_c_that_a_library_swallowed_before_the_swap_publishes_nothing(tmp_path):
    """In CI, a Ctrl-C at the start exited 130 "interrupted" with the new set in place: it was swallowed on the way."""
    out = tmp_path / "out"
    command = ["report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out)]
    assert run_program("", *command, "--lang", "en", temporary=tmp_path / "tmp").returncode == 0
    target = out / "the-good-start" / "2021"
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    swallowed = (
        "    try:\n        ctrl_c()\n    except KeyboardInterrupt:\n        pass\n    result = real(*args, **kwargs)\n"
    )
    for module, name in (("impact_kit.reports.run", "export_html"), ("impact_kit.reports.execute", "nbformat.write")):
        done = run_program(wrapped(module, name, swallowed), *command, temporary=tmp_path / "tmp")
        assert (done.returncode, done.stderr.strip().splitlines()[-1]) == (130, "interrupted"), (name, done.stderr)
        assert "Traceback" not in done.stderr
        assert {p.name: p.read_bytes() for p in target.iterdir()} == before, name  # the English set, untouched
        assert [p.name for p in target.parent.iterdir()] == ["2021"] and run_folders(tmp_path / "tmp") == []


def test_a_ctrl_c_as_the_run_folder_is_made_removes_it(tmp_path, monkeypatch):
    """Between making the folder and owning it, a Ctrl-C is kept until the folder is someone's to remove."""
    from impact_kit import files

    real = files.tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)
        return made

    monkeypatch.setattr(files.tempfile, "mkdtemp", mkdtemp)
    with pytest.raises(KeyboardInterrupt), files.run_folder():
        pytest.fail("the Ctrl-C is delivered before the block")  # pragma: no cover
    assert run_folders() == []


def fork_with_a_swallowed_ctrl_c(real_fork, calls):
    """os.fork as Python runs it: its at-fork hooks (logging's lock) print and drop what they raise."""

    def fork():
        pid = real_fork()
        calls.append(pid)
        if pid != 0 and len(calls) == 2:
            try:  # a Ctrl-C landing in an after-fork hook of the parent
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
            except BaseException:  # "Exception ignored in: <function _after_at_fork_child_reinit_locks>"
                pass
        return pid

    return fork


def slow_job(item: int) -> int:
    time.sleep(0.3)
    return item


def test_a_ctrl_c_during_a_fork_stops_the_map(monkeypatch):
    """In CI, a Ctrl-C raised inside os.fork() was lost: the batch wrote all 15 reports, then said "interrupted"."""
    calls: list[int] = []
    monkeypatch.setattr(isolate.os, "fork", fork_with_a_swallowed_ctrl_c(os.fork, calls))
    results = []
    with pytest.raises(KeyboardInterrupt):
        for item, result in isolate.map_isolated(slow_job, range(8), workers=1):
            results.append((item, result))
    assert len(calls) == 2 and len(results) <= 1  # stopped at the second fork, not after the eighth
    for pid in calls:  # every child of the map reaped (the suite's process may have children of its own)
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_a_ctrl_c_that_the_parent_s_own_work_swallowed_still_stops_the_map():
    """Whatever the parent does between results (printing, logging), a Ctrl-C it swallowed stops the batch."""
    results = []
    with CtrlC(then=signal.default_int_handler), pytest.raises(KeyboardInterrupt):
        for item, result in isolate.map_isolated(slow_job, range(6), workers=1):
            results.append((item, result))
            try:  # a library that catches KeyboardInterrupt on its way (logging's handleError, a progress bar)
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
            except KeyboardInterrupt:
                pass
    assert len(results) == 1


def write_a_file(path: Path) -> str:
    path.write_text("ran")
    return "ran"


def test_a_ctrl_c_sent_to_a_child_before_it_first_ran_interrupts_its_job(tmp_path, monkeypatch):
    """A child keeps the parent's held SIGINT until it runs: one caught there was dropped, and the job ran to its end.

    (On a loaded machine the parent's interrupt reached a child not yet scheduled: a report
    the parent had interrupted was written all the same.)
    """
    real = os.fork

    def fork():
        pid = real()
        if pid == 0:  # the child, before anything of it has run: the parent's SIGINT lands now
            os.kill(os.getpid(), signal.SIGINT)
        return pid

    monkeypatch.setattr(isolate.os, "fork", fork)
    with pytest.raises(KeyboardInterrupt) as raised:
        isolate.run_isolated(write_a_file, tmp_path / "ran.txt")
    assert "In the isolated child" in "".join(raised.value.__notes__)  # the child's own, sent to the parent
    assert not (tmp_path / "ran.txt").exists()


def test_held_keeps_a_ctrl_c_for_the_end_of_the_block():
    order = []
    with pytest.raises(KeyboardInterrupt), held():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        order.append("block ended")
    assert order == ["block ended"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

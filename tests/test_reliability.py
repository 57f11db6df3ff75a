"""Faults around a report: several at once, kill -9, Ctrl-C, an output folder that cannot be written."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, snapshot

from impact_kit.cli import main
from impact_kit.files import RUN_PREFIX, remove_stale_runs, run_folder

SCRIPT = [sys.executable, "-m", "impact_kit.cli"]
SITES = [("the-good-start", 2021), ("la-fabrique-des-possibles-exemple", 2023), ("les-halles-ephemeres-exemple", 2022),
         ("coeur-de-friche-exemple", 2021)]  # fmt: skip


def kernel_files(folder: Path) -> list[Path]:
    """Kernel connection files and IPC sockets anywhere in the tree (the virtualenv's kernelspec aside)."""
    found = [p for p in folder.rglob("kernel*") if ".venv" not in p.parts and ".git" not in p.parts]
    return [p for p in found if p.name.startswith("kernel-") or p.name == "kernel.json" or p.is_socket()]


@pytest.mark.slow
def test_four_reports_started_at_once_all_succeed(tmp_path):
    out = tmp_path / "out"
    processes = [
        subprocess.Popen(
            [*SCRIPT, "report", site, str(year), "--data", str(SAMPLE), "--out", str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for site, year in SITES
    ]
    results = [p.communicate(timeout=300) for p in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err and "KeyboardInterrupt" not in err
    for site, year in SITES:
        assert (out / site / str(year) / "report.html").is_file()
    assert kernel_files(ROOT) == [] and kernel_files(ROOT.parent / "shared") == []


@pytest.mark.slow
def test_a_report_runs_under_a_temporary_folder_too_deep_for_a_unix_socket(tmp_path):
    """The kernel's sockets went in the run folder whatever its depth: zmq refused the path ("File name too long",
    a traceback), as it did for the suite on two workers (/tmp/pytest-of-root/pytest-99/popen-gw1/<test>/tmp)."""
    from impact_kit.reports.execute import SOCKET_STEM_BYTES

    deep = tmp_path / ("t" * 60) / ("m" * 30)
    deep.mkdir(parents=True)
    assert len(bytes(deep)) + len(b"/impact-kit-run-123456-abcdefgh/kernel") > SOCKET_STEM_BYTES
    out = tmp_path / "out"
    done = subprocess.run(
        [*SCRIPT, "report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out)],
        cwd=ROOT, env=os.environ | {"TMPDIR": str(deep)}, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and (out / "the-good-start" / "2021" / "report.html").is_file()
    assert list(deep.iterdir()) == []  # its run folder removed, sockets and all


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_an_interrupted_report_leaves_the_previous_one_and_no_debris(tmp_path, how):
    out = tmp_path / "out"
    assert main(["report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out)]) == 0
    before = snapshot(out)
    for delay in (0.5, 2.0, 3.5):  # while starting, while the kernel runs, near the end
        process = subprocess.Popen([*SCRIPT, "report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out)],
                                   cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
        time.sleep(delay)
        os.killpg(process.pid, how)
        _, err = process.communicate(timeout=60)
        if how == signal.SIGINT and process.returncode != 0:
            assert process.returncode == 130 and err.strip().splitlines()[-1] == "interrupted", err
            assert "Traceback" not in err
        after = snapshot(out)
        # Either the previous report is untouched, or the run finished and replaced it whole.
        assert (
            sorted(after) == sorted(before) == ["the-good-start/2021/report.html", "the-good-start/2021/report.ipynb"]
        )
        assert after["the-good-start/2021/report.html"].endswith(b"</html>\n") or after == before
    remove_stale_runs()
    assert list(Path(tempfile.gettempdir()).glob(f"{RUN_PREFIX}{process.pid}-*")) == []


def test_stale_run_folders_of_dead_runs_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{RUN_PREFIX}{dead.stdout.strip()}-abc"
    (stale / "kernel.json").parent.mkdir()
    (stale / "kernel.json").write_text("{}")
    live = tmp_path / f"{RUN_PREFIX}{os.getpid()}-xyz"
    live.mkdir()
    with run_folder() as folder:
        assert folder.parent == tmp_path and folder.name.startswith(f"{RUN_PREFIX}{os.getpid()}-")
    assert not stale.exists() and live.exists() and not folder.exists()


@pytest.mark.parametrize("case", ["a-file", "read-only"])
def test_an_output_folder_that_cannot_be_written_is_one_sentence(capsys, tmp_path, monkeypatch, case):
    out = tmp_path / "out"
    if case == "a-file":
        out.write_text("not a folder")
    else:  # a read-only file system (root could write into a chmod 500 folder, so the file system says no)
        import impact_kit.files as files

        def read_only(*args, dir=None, **kwargs):
            raise OSError(30, "Read-only file system", str(dir))

        monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    code = main(["batch", "--data", str(SAMPLE), "--out", str(out), "--site", "the-good-start"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    assert str(out.parent) in err and "--out" in err  # the folder it could not write in


def test_a_full_disk_while_writing_fails_the_report_and_keeps_the_previous_one(capsys, tmp_path, monkeypatch):
    import impact_kit.files as files

    out = tmp_path / "out"
    target = out / "the-good-start" / "2021"
    target.mkdir(parents=True)
    (target / "report.html").write_text("earlier report", encoding="utf-8")
    real = files.os.fdopen

    def full(fd, *args, **kwargs):  # the disk fills up as the report is written
        handle = real(fd, *args, **kwargs)

        def write(data):
            raise OSError(28, "No space left on device", str(target / "report.html"))

        handle.write = write
        return handle

    monkeypatch.setattr(files.os, "fdopen", full)
    code = main(["report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    assert (target / "report.html").read_text(encoding="utf-8") == "earlier report"
    assert sorted(p.name for p in target.iterdir()) == ["report.html"]


def test_a_temporary_file_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    """kill -9 inside atomic_write (a timeout, a killed batch child) leaves `.report.html.<pid>-*.tmp`."""
    target = tmp_path / "report.html"
    code = (
        "import os, signal, sys\n"
        "from impact_kit.files import atomic_write\n"
        f"with atomic_write({str(target)!r}) as handle:\n"
        "    handle.write('half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] != []
    assert not target.exists()
    from impact_kit.files import atomic_write

    with atomic_write(target) as handle:
        handle.write("whole")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"] and target.read_text() == "whole"


def report_set(folder: Path) -> dict[str, str]:
    """The language each file of a report says it is in: a set written by one run says one language."""
    import json
    import re

    said = {}
    for path in sorted(folder.iterdir()):
        if path.name == "report.html":
            said[path.name] = re.search(rb'<html lang="(\w+)"', path.read_bytes()).group(1).decode()
        elif path.name == "report.ipynb":
            said[path.name] = json.loads(path.read_text(encoding="utf-8"))["metadata"]["papermill"]["parameters"][
                "lang"
            ]
        else:
            said[path.name] = "?"
    return said


@pytest.mark.slow
def test_a_report_set_is_replaced_whole_whatever_the_signal_and_its_moment(tmp_path):
    """The previous set is in English, the new one in French: after any kill, one language, every file there.

    The moments span a run (tests/test_hostile.py kills the swap itself at many more). A
    Ctrl-C to the process group before the run has said its report's path gives exit 130
    and "interrupted"; one after it changes nothing (exit 0, no traceback from Python's exit).
    """
    out = tmp_path / "out"
    target = out / "the-good-start" / "2021"
    command = [*SCRIPT, "report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out)]
    # The run to time is the second: in a fresh clone the first also compiles every module.
    assert subprocess.run([*command, "--lang", "en"], cwd=ROOT, capture_output=True, check=False).returncode == 0
    started = time.monotonic()
    assert subprocess.run([*command, "--lang", "en"], cwd=ROOT, capture_output=True, check=False).returncode == 0
    length = time.monotonic() - started
    outcomes = ["en"]
    for share in (0.0, 0.4, 0.8, 0.95, 1.3):
        for how in (signal.SIGINT, signal.SIGKILL):
            if outcomes[-1] == "fr":  # the last run replaced the set: put an English one back
                subprocess.run([*command, "--lang", "en"], cwd=ROOT, capture_output=True, check=True)
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
            )
            if share == 0.0:  # as soon as the run says it has begun: certainly before its end
                assert process.stderr.readline().startswith("Writing the report of the-good-start 2021")
            time.sleep(length * share)
            said_its_path = bool(select.select([process.stdout], [], [], 0)[0])
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, how)
            printed, err = process.communicate(timeout=120)
            assert "Traceback" not in err, err
            if how == signal.SIGINT and not said_its_path:
                # Inside the run, a Ctrl-C interrupts (a kernel's event loop once swallowed it: exit 0).
                assert process.returncode == 130, err
                assert err.strip().splitlines()[-1] == "interrupted", err
            elif how == signal.SIGINT:
                assert process.returncode in (0, 130) and printed.strip().endswith("report.html"), (err, printed)
            said = report_set(target)
            assert sorted(said) == ["report.html", "report.ipynb"], said
            assert len(set(said.values())) == 1, (how, share, said)
            assert share > 0.0 or said["report.html"] == "en", (how, said)  # interrupted early: the old set
            outcomes.append(said["report.html"])
            if how == signal.SIGINT:  # it removed its staging folder (a SIGKILL's is removed by a later run)
                assert not list(target.parent.glob(f".2021.*-{process.pid}-*")), list(target.parent.iterdir())
    subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
    assert [p.name for p in target.parent.iterdir()] == ["2021"]
    remove_stale_runs()


def test_a_ctrl_c_as_the_program_ends_changes_nothing(tmp_path):
    """The report written and its path said, a Ctrl-C in Python's exit once gave exit -2 or atexit tracebacks."""
    out = tmp_path / "out"
    command = [*SCRIPT, "report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out)]
    for _ in range(3):
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        path = process.stdout.readline()
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
        assert (process.returncode, "Traceback" in err) == (0, False), err
        assert Path(path.strip()).is_file()

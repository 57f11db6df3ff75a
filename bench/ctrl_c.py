"""The Ctrl-C tests, 20 times in a row, on a machine loaded by two batches running at once (issue 29).

Two `impact-kit batch --force` of the sample data run in a loop in the background (each with
as many workers as CPUs) while the Ctrl-C tests run again and again; it stops at the first
failure. Run it alone, once, with `nice` (it loads the machine for half an hour or more):

    nice .venv/bin/python bench/ctrl_c.py [ROUNDS] [TEST ...]

TEST (pytest node ids) replaces the list below, to repeat some of them only.

It prints one line per round (time, load average) and the count passed in a row; the figure
goes in bench/README.md. It writes only in a temporary folder it removes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The tests that press Ctrl-C (or send SIGINT) at a moment of a run, test_reliability's whole-set test
#: included: it is the one that failed in a CI run (a Ctrl-C at the start, exit 130, the new set in place).
TESTS = [
    "tests/test_batch.py::test_ctrl_c_stops_the_batch_cleanly_and_the_next_run_completes_it",
    "tests/test_interrupts.py",
    "tests/test_reliability.py::test_an_interrupted_report_leaves_the_previous_one_and_no_debris[ctrl-c]",
    "tests/test_reliability.py::test_a_report_set_is_replaced_whole_whatever_the_signal_and_its_moment",
    "tests/test_reliability.py::test_a_ctrl_c_as_the_program_ends_changes_nothing",
    "tests/test_engine.py::test_a_ctrl_c_in_the_parent_while_it_reads_a_result_stops_the_map",
]


def load(folder: Path, name: str) -> subprocess.Popen[bytes]:
    """A shell loop of forced batches of the sample data, in a session of its own (stopped as a group)."""
    out = folder / name
    command = (
        f"while true; do {sys.executable} -m impact_kit.cli batch --data {ROOT / 'data'} --out {out} --force "
        ">/dev/null 2>&1; done"
    )
    return subprocess.Popen(["sh", "-c", command], cwd=ROOT, start_new_session=True)


def main(rounds: int = 20, tests: list[str] | None = None) -> int:
    folder = Path(tempfile.mkdtemp(prefix="impact-kit-ctrl-c-bench-"))
    loaders = [load(folder, "a"), load(folder, "b")]
    passed = 0
    try:
        time.sleep(10)  # the batches under way
        print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} with the two batches", flush=True)
        for number in range(1, rounds + 1):
            started = time.monotonic()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:randomly",
                    "-p",
                    "no:cacheprovider",
                    *(tests or TESTS),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.monotonic() - started
            summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
            print(f"round {number}: {summary} ({seconds:.0f} s, load {os.getloadavg()[0]:.1f})", flush=True)
            if done.returncode != 0:
                print(done.stdout[-6000:], flush=True)
                break
            passed += 1
    finally:
        for loader in loaders:
            os.killpg(loader.pid, 15)
            loader.wait()
        time.sleep(1)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"passed {passed} of {rounds} rounds in a row", flush=True)
    return 0 if passed == rounds else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20, sys.argv[2:]))

"""Seconds to export a working notebook from JupyterLab against `impact-kit report` of the same notebook.

Run: .venv/bin/python bench/export.py [--repeat 5] [--pause 3]
In a temporary project (a copy of data/, The Good Start 2021's working notebook with a
Markdown cell, a scratch cell and a cell tagged `report`), in one run, ``--repeat`` times,
interleaved:

- first export, after a pause: a new kernel started as Lab starts one (nbclient) runs
  every cell, stays idle ``--pause`` seconds (the evaluator reads the report and types
  ``report.export()``), then runs ``report.export()``: the kernel's first export, timed
  inside the cell; then a second export (warm) in the same kernel;
- first export, at once: another new kernel runs every cell and ``report.export()``
  right after the last one (no idle time: the kernel warms in the export itself);
- report: ``impact-kit report the-good-start 2021 --notebook ...`` from a terminal, timed
  from the start of its process to its end.

Run All's time (every cell of the working notebook, in the kernel) is printed too: the
idle warm-up (impact_kit.reports.warmup) must not slow it. It prints each figure, their
medians and the ratios; it measures and asserts nothing (issue 26's target: the export at
most a third of the command's time).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TIMED = "import time\nt = time.perf_counter()\nreport.export()\nprint(time.perf_counter() - t)"


def kernel_exports(path: Path, pause: float | None, count: int) -> tuple[float, list[float]]:
    """Run the notebook's cells in a new kernel, idle ``pause`` seconds, export ``count`` times; return the times."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}})
    times = []
    with client.setup_kernel():
        started = time.perf_counter()
        for index, cell in enumerate(list(nb.cells)):
            client.execute_cell(cell, index)
        run_all = time.perf_counter() - started
        os.utime(path)  # saved after the run, as the README asks
        if pause:
            time.sleep(pause)
        for _ in range(count):
            nb.cells.append(nbformat.v4.new_code_cell(TIMED))
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
            stdout = [o["text"] for o in nb.cells[-1].outputs if o.get("name") == "stdout"]
            times.append(float(stdout[-1].split()[-1]))
    return run_all, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds the kernel stays idle before its export")
    args = parser.parse_args()
    from impact_kit.data.dataset import load_dataset
    from impact_kit.reports.working import create_working_notebook

    figures: dict[str, list[float]] = {k: [] for k in ("run all", "after pause", "warm", "at once", "report")}
    with tempfile.TemporaryDirectory(prefix="ik-bench-export-") as folder:
        project = Path(folder)
        shutil.copytree(ROOT / "data", project / "data")
        path = create_working_notebook(load_dataset(project / "data"), "the-good-start", 2021)
        nb = nbformat.read(path, as_version=4)
        nb.cells[-1:-1] = [
            nbformat.v4.new_markdown_cell("## Regard\n\nUn commentaire."),
            nbformat.v4.new_code_cell("report.observations.head()"),
            nbformat.v4.new_code_cell("print('tagged')", metadata={"tags": ["report"]}),
        ]
        nbformat.write(nb, path)
        os.environ["JPY_SESSION_NAME"] = str(path)  # what Lab tells its kernel
        command = [sys.executable, "-m", "impact_kit.cli", "report", "the-good-start", "2021", "--notebook", str(path)]
        for _ in range(args.repeat):
            run_all, (first, second) = kernel_exports(path, args.pause, 2)
            figures["run all"].append(run_all)
            figures["after pause"].append(first)
            figures["warm"].append(second)
            figures["at once"].append(kernel_exports(path, None, 1)[1][0])
            started = time.perf_counter()
            subprocess.run(command, cwd=project, check=True, capture_output=True)
            figures["report"].append(time.perf_counter() - started)
    report = statistics.median(figures["report"])
    for name, values in figures.items():
        median = statistics.median(values)
        ratio = "" if name in ("report", "run all") else f"  /report {median / report:.2f}"
        print(f"{name:12s} s: {' '.join(f'{s:.2f}' for s in values)}  median {median:.2f}{ratio}")
    print(f"cores: {os.cpu_count()}, load: {' '.join(f'{x:.1f}' for x in os.getloadavg())}, pause {args.pause:g} s")


if __name__ == "__main__":
    main()

"""Seconds to export a working notebook from JupyterLab against `impact-kit report` of the same notebook.

Run: .venv/bin/python bench/export.py [--repeat 3]
In a temporary project (a copy of data/, The Good Start 2021's working notebook with a
Markdown cell, a scratch cell and a cell tagged `report`), a kernel started as Lab starts
one (nbclient) runs every cell; then, in one run, interleaved ``--repeat`` times:

- export: ``report.export()`` in that warm kernel (a forked child of it runs the notebook),
  timed inside the cell;
- report: ``impact-kit report the-good-start 2021 --notebook ...`` from a terminal, timed
  from the start of its process to its end.

It prints each figure, their medians and the ratio; it measures and asserts nothing
(issue 26's target: the export at most a third of the command's time).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from impact_kit.data.dataset import load_dataset
    from impact_kit.reports.working import create_working_notebook

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
        client = NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}})
        exports, reports = [], []
        with client.setup_kernel():
            for index, cell in enumerate(list(nb.cells)):
                client.execute_cell(cell, index)
            os.utime(path)  # saved after the run, as the README asks
            timed = "import time\nt = time.perf_counter()\nreport.export()\nprint(time.perf_counter() - t)"
            for _ in range(args.repeat):
                nb.cells.append(nbformat.v4.new_code_cell(timed))
                client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
                stdout = [o["text"] for o in nb.cells[-1].outputs if o.get("name") == "stdout"]
                exports.append(float(stdout[-1].split()[-1]))
                command = [sys.executable, "-m", "impact_kit.cli", "report", "the-good-start", "2021"]
                started = time.perf_counter()
                subprocess.run([*command, "--notebook", str(path)], cwd=project, check=True, capture_output=True)
                reports.append(time.perf_counter() - started)
    print(f"export (fork of the kernel), s: {' '.join(f'{s:.2f}' for s in exports)}")
    print(f"impact-kit report, s:          {' '.join(f'{s:.2f}' for s in reports)}")
    export, report = statistics.median(exports), statistics.median(reports)
    print(f"medians: export {export:.2f} s, report {report:.2f} s, export/report {export / report:.2f}")
    print(f"cores: {os.cpu_count()}, load: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

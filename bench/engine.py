"""Seconds per report: papermill with a kernel, the fork engine from a warm parent, and the floor.

Run: .venv/bin/python bench/engine.py [--modes kernel,fork,engine,reuse,floor] [--limit N]
Each mode runs in its own fresh Python process over the sample site-years
(parameters/*.yaml), one report after another, writing report.ipynb and report.html:

- kernel: ``papermill.execute_notebook`` (a new kernel per report) + ``export_html``, as
  ``impact-kit report`` does today;
- fork: a warm parent (:func:`impact_kit.engine.warm`), then per report
  ``run_isolated(job)``: papermill with the ``impact-kit-inprocess`` engine + ``export_html``
  in a forked child (what ``batch`` would do);
- fork2: the same with two children at a time (``map_isolated(workers=2)``), as a batch
  would run on 2 cores: its steady figure is the wall time between two reports finishing;
- engine: ``papermill.execute_notebook(engine_name="impact-kit")`` (a fork per notebook) +
  ``export_html`` in the parent (what a ``papermill --engine impact-kit`` user gets);
- reuse: one kernel for all reports, ``%reset -f`` between them (not isolated: imports and
  rcParams persist; for comparison only);
- floor: the notebook's calls and ``export_html`` in one process, no notebook.

It prints, per mode: the whole run (start of the process to its end) and the steady
state (after the first report) per report, CPU per report including children, the
parent's peak RSS and a child's peak RSS and private memory. It measures and prints;
it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MASTER = ROOT / "notebooks" / "site_report.ipynb"
MODES = ("kernel", "fork", "fork2", "engine", "reuse", "floor")


def jobs(limit: int | None) -> list[dict]:
    import yaml

    found = []
    for path in sorted((ROOT / "parameters").glob("*.yaml")):
        parameters = yaml.safe_load(path.read_text(encoding="utf-8"))
        parameters["data"] = str(ROOT / "data")
        found.append(parameters)
    return found[:limit]


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def memory() -> dict[str, int]:
    """This process's peak RSS and its private memory now, in MB."""
    private = 0
    with open("/proc/self/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                private += int(line.split()[1])
    return {"peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "private": private // 1024}


def write_report(nb, parameters: dict, target: Path) -> None:
    from impact_kit.render.export import export_html

    title = f"{parameters['site']} · {parameters['year']}"
    html = export_html(nb, lang=parameters["lang"], title=title)
    (target / "report.html").write_text(html, encoding="utf-8")


def notebook_job(parameters: dict, target: Path, engine: str | None, **extra) -> dict:
    import papermill as pm

    target.mkdir(parents=True, exist_ok=True)
    nb = pm.execute_notebook(
        str(MASTER),
        str(target / "report.ipynb"),
        parameters=parameters,
        engine_name=engine,
        progress_bar=False,
        cwd=str(MASTER.parent),
        **extra,
    )
    write_report(nb, parameters, target)
    return memory()


def floor_job(parameters: dict, target: Path) -> dict:
    """The master notebook's code cells as plain Python in this process (no engine), then the export."""
    import ast

    import nbformat

    master = nbformat.read(MASTER, as_version=4)
    names = {"grid": "", "lang": "fr", "pseudonymise": False, "programme": True, **parameters}
    nb = nbformat.v4.new_notebook()
    for cell in master.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        tree = ast.parse(cell.source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), names)
        part = eval(compile(ast.Expression(last.value), "<cell>", "eval"), names) if last else None
        outputs = []
        if part is not None and hasattr(part, "_repr_html_"):
            data = {"text/html": part._repr_html_(), "text/plain": ""}
            outputs.append(nbformat.v4.new_output("execute_result", data=data))
        nb.cells.append(nbformat.v4.new_code_cell(cell.source, outputs=outputs))
    target.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target / "report.ipynb")
    write_report(nb, parameters, target)
    return memory()


def run_mode(mode: str, limit: int | None, out: Path) -> dict:
    """Run every report in this process (a fresh one per mode) and return the figures."""
    started = time.perf_counter()
    todo = jobs(limit)
    km = None
    if mode in ("fork", "fork2"):
        from impact_kit.engine import map_isolated, run_isolated, warm

        warm()
    elif mode == "reuse":
        from jupyter_client.manager import KernelManager

        km = KernelManager(kernel_name="python3")
        km.start_kernel(cwd=str(MASTER.parent))
    walls, children = [], []
    if mode == "fork2":
        last = time.perf_counter()

        def forked(parameters: dict) -> dict:
            target = out / mode / parameters["site"] / str(parameters["year"])
            return notebook_job(parameters, target, "impact-kit-inprocess")

        for _, result in map_isolated(forked, todo, workers=2, timeout=600):
            if isinstance(result, BaseException):
                raise result
            children.append(result)
            walls.append(time.perf_counter() - last)
            last = time.perf_counter()
        todo_serial = []
    else:
        todo_serial = todo
    for parameters in todo_serial:
        target = out / mode / parameters["site"] / str(parameters["year"])
        start = time.perf_counter()
        if mode == "fork":
            children.append(run_isolated(notebook_job, parameters, target, "impact-kit-inprocess", timeout=600))
        elif mode == "engine":
            notebook_job(parameters, target, "impact-kit")
        elif mode == "kernel":
            notebook_job(parameters, target, None)
        elif mode == "reuse":
            notebook_job(parameters, target, None, km=km)
            client = km.client()
            client.start_channels()
            client.wait_for_ready(timeout=60)
            client.execute_interactive("%reset -f", timeout=60)
            client.stop_channels()
        else:
            floor_job(parameters, target)
        walls.append(time.perf_counter() - start)
    if km is not None:
        km.shutdown_kernel(now=False)
    return {
        "mode": mode,
        "reports": len(todo),
        "whole": time.perf_counter() - started,
        "walls": walls,
        "cpu": cpu(),
        "parent": memory(),
        "children": children,
    }


def compare(limit: int | None) -> None:
    """Export each site-year from a kernel run and a forked run, with one date: the same bytes?"""
    import datetime as dt

    import papermill as pm

    from impact_kit.engine import run_isolated, warm
    from impact_kit.render.export import export_html

    warm()

    def html(parameters: dict, engine: str | None, target: Path) -> str:
        options = {"parameters": parameters, "engine_name": engine, "progress_bar": False, "cwd": str(MASTER.parent)}
        nb = pm.execute_notebook(str(MASTER), str(target), **options)
        return export_html(nb, lang=parameters["lang"], title="t", generated=dt.date(2026, 1, 1))

    same = 0
    with tempfile.TemporaryDirectory(prefix="impact-kit-bench-") as out:
        for parameters in jobs(limit):
            kernel = html(parameters, None, Path(out) / "kernel.ipynb")
            forked = run_isolated(html, parameters, "impact-kit-inprocess", Path(out) / "fork.ipynb")
            same += kernel == forked
            print(f"{parameters['site']} {parameters['year']}: {'same HTML' if kernel == forked else 'DIFFERENT'}")
    print(f"{same} of {len(jobs(limit))} identical")


def steady_rate(run: dict) -> float:
    """Seconds per report after the first: the median report, or the mean gap between finishes in parallel."""
    walls = run["walls"][1:] or run["walls"]
    return statistics.fmean(walls) if run["mode"] == "fork2" else statistics.median(walls)


def median_run(found: list[dict]) -> dict:
    """The run whose whole time is the median (its own figures, not mixed with others')."""
    ordered = sorted(found, key=lambda r: r["process"])
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--limit", type=int, default=None, help="only the first N site-years")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each mode, interleaved; medians are shown")
    parser.add_argument("--compare", action="store_true", help="only check: same HTML from a kernel and a fork")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: run one mode and print JSON
    args = parser.parse_args()
    if args.compare:
        compare(args.limit)
        return
    if args.child:
        with tempfile.TemporaryDirectory(prefix="impact-kit-bench-") as out:
            print(json.dumps(run_mode(args.child, args.limit, Path(out))))
        return

    runs: dict[str, list[dict]] = {}
    for _ in range(args.repeat):
        for mode in args.modes.split(","):
            command = [sys.executable, __file__, "--child", mode]
            if args.limit:
                command += ["--limit", str(args.limit)]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["process"] = time.perf_counter() - start  # with interpreter start and exit
            runs.setdefault(mode, []).append(result)
            print(f"  {mode}: done in {result['process']:.1f} s", file=sys.stderr)
    results = {mode: median_run(found) for mode, found in runs.items()}

    reports = next(iter(results.values()))["reports"]
    print(f"{os.cpu_count()} cores; {reports} site-years; medians of {args.repeat} run(s) of each mode, interleaved")
    header = f"{'mode':<8}{'whole s/rep':>12}{'steady s/rep':>13}{'CPU s/rep':>10}{'parent MB':>10}{'child MB':>9}"
    print(header + f"{'child private MB':>17}")
    for mode, r in results.items():
        n = r["reports"]
        steady = steady_rate(r)
        child_rss = max((c["peak_rss"] for c in r["children"]), default=0)
        child_private = max((c["private"] for c in r["children"]), default=0)
        print(
            f"{mode:<8}{r['process'] / n:>12.2f}{steady:>13.2f}{r['cpu'] / n:>10.2f}{r['parent']['peak_rss']:>10}"
            f"{child_rss or '-':>9}{child_private or '-':>17}"
        )
    if "kernel" in results:
        base = results["kernel"]
        for mode, r in results.items():
            if mode != "kernel":
                print(
                    f"kernel / {mode}: {base['process'] / r['process']:.1f}x whole, "
                    f"{steady_rate(base) / steady_rate(r):.1f}x steady, "
                    f"{base['cpu'] / r['cpu']:.1f}x CPU"
                )
    if "floor" in results and "fork" in results:
        fork, floor = results["fork"], results["floor"]
        print(
            f"fork / floor: {fork['process'] / floor['process']:.2f}x whole, {fork['cpu'] / floor['cpu']:.2f}x CPU, "
            f"{steady_rate(fork) / steady_rate(floor):.2f}x steady"
        )


if __name__ == "__main__":
    main()

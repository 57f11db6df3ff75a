"""Seconds per report of `impact-kit batch` against the plain papermill chain and the floor.

Run: .venv/bin/python bench/batch.py [--sites 40] [--chain-sample 10] [--repeat 3] [--big 5000]

Builds a synthetic data folder of exactly N site-years (``--sites``) in a temporary folder
with ``bench/synthetic.py``: sites of up to 3 years (2021-2023, so most reports have a
previous year to compare with), the last site's later years dropped to reach N. Then,
in one run, whole commands as subprocesses, one after another:

(a)  the plain chain, per site-year: ``papermill site_report.ipynb OUT -p site S -p year Y
     -p data DIR`` then ``jupyter nbconvert --to html --no-input``; (a') ``impact-kit
     report S Y`` per site-year. Both on ``--chain-sample`` site-years (they take 5-8 s
     each), extrapolated per report;
(b)  ``impact-kit batch --data DIR --out OUT`` with default workers in a fresh OUT: wall
     time and CPU (``getrusage(RUSAGE_CHILDREN)`` around it: the batch parent and every
     child it forked). Then one more run, not timed: a thread polls ``/proc`` for the
     batch parent's children (one per report) and keeps each one's ``VmHWM`` (peak RSS,
     which counts the pages it shares with the parent after the fork) and its private
     memory (``Private_Clean + Private_Dirty`` of ``smaps_rollup``, what the child alone
     costs); polling in a timed run took about a fifth of its time on 2 cores;
(c)  the floor, in a fresh Python process, no kernel, no notebook, no fork: per site-year
     the master notebook's code cells run as plain Python (``SiteReport.load`` and every
     section call, in the notebook's order), their HTML reprs become the outputs of a
     notebook that ``export_html`` exports; CPU and wall per report, data validated once
     (reported apart, as are the imports);
(d)  the same batch command again, nothing changed (everything skipped).

Then the 5,000-site-year check (``--big``): a synthetic folder of that many site-years,
``impact-kit batch --site S ...`` on about ``--big-sites`` of them, run twice (the second
run skips everything: its time is the fixed cost of imports, load, validation,
fingerprints and index), and the same on the N folder; per report = (first - rerun) / jobs.

It measures and prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MASTER = ROOT / "impact_kit" / "notebooks" / "site_report.ipynb"
YEARS = (2021, 2022, 2023)


# ---------------------------------------------------------------- data


def make_folder(folder: Path, site_years: int, seed: int = 0) -> list[tuple[str, int]]:
    """Write a synthetic folder of exactly ``site_years`` site-years; return them (site, year)."""
    from synthetic import make_sample

    n_sites = site_years // len(YEARS) + 8  # a few sites stop early or start late: take more
    while True:
        make_sample(folder, n_sites, years=YEARS, seed=seed)
        with (folder / "observations.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        pairs = sorted({(r[0], int(r[1])) for r in rows[1:]})
        if len(pairs) >= site_years:
            break
        n_sites = int(n_sites * 1.2) + 2
    keep, sites = [], []
    for site in sorted({s for s, _ in pairs}):
        for pair in (p for p in pairs if p[0] == site):
            if len(keep) < site_years:
                keep.append(pair)
        if keep and keep[-1][0] == site:
            sites.append(site)
        if len(keep) == site_years:
            break
    wanted, kept_sites = set(keep), set(sites)
    with (folder / "observations.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([rows[0]] + [r for r in rows[1:] if (r[0], int(r[1])) in wanted])
    with (folder / "sites.csv").open(encoding="utf-8", newline="") as handle:
        site_rows = list(csv.reader(handle))
    with (folder / "sites.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([site_rows[0]] + [r for r in site_rows[1:] if r[0] in kept_sites])
    return keep


# ---------------------------------------------------------------- measuring commands


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], *, cwd: Path | None = None, watch: bool = False, env: dict | None = None) -> dict:
    """Run a whole command; return its wall and CPU seconds (and, with ``watch``, its children's memory)."""
    cpu, start = children_cpu(), time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    watcher = Watcher(process.pid) if watch else None
    _, err = process.communicate()
    wall = time.perf_counter() - start
    if watcher:
        watcher.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{err[-3000:]}")
    result = {"wall": wall, "cpu": children_cpu() - cpu, "stderr": err}
    if watcher:
        result |= watcher.figures()
    return result


def status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def private_kb(pid: int) -> int:
    total = 0
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total


class Watcher:
    """Polls a process and its children every 20 ms for their peak RSS and private memory."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.parent_hwm = 0
        self.children: dict[int, dict[str, int]] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while not self.done.is_set():
            try:
                self.parent_hwm = max(self.parent_hwm, status_kb(self.pid, "VmHWM"))
                kids = set()
                for task in os.listdir(f"/proc/{self.pid}/task"):
                    with open(f"/proc/{self.pid}/task/{task}/children", encoding="ascii") as handle:
                        kids |= {int(p) for p in handle.read().split()}
            except (OSError, ValueError):
                kids = set()
            for kid in kids:
                try:
                    seen = self.children.setdefault(kid, {"hwm": 0, "private": 0})
                    seen["hwm"] = max(seen["hwm"], status_kb(kid, "VmHWM"))
                    seen["private"] = max(seen["private"], private_kb(kid))
                except (OSError, ValueError):
                    pass
            time.sleep(0.02)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    def figures(self) -> dict:
        hwm = [c["hwm"] for c in self.children.values() if c["hwm"]]
        private = [c["private"] for c in self.children.values() if c["private"]]
        return {
            "parent_hwm_mb": self.parent_hwm / 1024,
            "children_seen": len(hwm),
            "child_hwm_mb": max(hwm, default=0) / 1024,
            "child_hwm_median_mb": statistics.median(hwm) / 1024 if hwm else 0,
            "child_private_mb": max(private, default=0) / 1024,
            "child_private_median_mb": statistics.median(private) / 1024 if private else 0,
        }


def child_durations(stderr: str) -> list[float]:
    """The per-report seconds the batch prints when stderr is not a terminal ('[k/n] site/year (1.2 s) done')."""
    return [float(m) for m in re.findall(r"^\[\d+/\d+\] \S+ \(([\d.]+) s\) done", stderr, re.M)]


# ---------------------------------------------------------------- the ways


def export(revision: str, folder: Path) -> Path:
    """Write the kit as it was at ``revision`` (git archive) into ``folder``; return it."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def older(folder: Path) -> dict:
    """The environment that makes ``import impact_kit`` find the kit exported in ``folder`` first."""
    return {**os.environ, "PYTHONPATH": str(folder)}


def chain(data: Path, pairs: list[tuple[str, int]], work: Path) -> dict:
    """(a) papermill CLI then nbconvert, per site-year, one after another."""
    walls, cpus = [], []
    for site, year in pairs:
        executed = work / f"{site}_{year}.ipynb"
        cpu, start = children_cpu(), time.perf_counter()
        run([str(BIN / "papermill"), str(MASTER), str(executed), "-p", "site", site, "-p", "year", str(year),
             "-p", "data", str(data), "--no-progress-bar"], cwd=work)  # fmt: skip
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)], cwd=work)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
    return {"walls": walls, "cpus": cpus}


def report_cli(data: Path, pairs: list[tuple[str, int]], out: Path) -> dict:
    """(a') impact-kit report, per site-year, one after another."""
    walls, cpus = [], []
    for site, year in pairs:
        r = run([str(BIN / "impact-kit"), "report", site, str(year), "--data", str(data), "--out", str(out)])
        walls.append(r["wall"])
        cpus.append(r["cpu"])
    return {"walls": walls, "cpus": cpus}


def batch(data: Path, out: Path, *extra: str, before: Path | None = None, watch: bool = False) -> dict:
    """(b) and (d): impact-kit batch, whole command (with ``before``: the kit exported there, see --before).

    ``watch``: poll its memory too. Timed runs are not watched: polling /proc every 20 ms
    took about a fifth of a batch's time on 2 cores (0.25 against 0.20 s a report).
    """
    if before is None:
        return run([str(BIN / "impact-kit"), "batch", "--data", str(data), "--out", str(out), *extra], watch=watch)
    command = [sys.executable, "-m", "impact_kit.cli", "batch", "--data", str(data), "--out", str(out), *extra]
    # Run from the export's parent: `python -m` puts the working directory first on sys.path.
    return run(command, watch=watch, env=older(before), cwd=before.parent)


def watched(data: Path, out: Path, *extra: str) -> dict:
    """One more run of a batch, watched, for its memory figures only (see :func:`batch`)."""
    figures = batch(data, out, *extra, watch=True)
    shutil.rmtree(out)
    return {key: value for key, value in figures.items() if key not in ("wall", "cpu", "stderr")}


def floor(data: Path, pairs: list[tuple[str, int]], *, before: Path | None = None) -> dict:
    """(c) in a fresh process: see floor_child (with ``before``: that kit's own bench/batch.py and code)."""
    script = before / "bench" / "batch.py" if before else Path(__file__)
    command = [sys.executable, str(script), "--floor-child", str(data), "--pairs", json.dumps(pairs)]
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, env=older(before) if before else None, cwd=script.parent
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def floor_child(data: str, pairs: list[tuple[str, int]]) -> None:
    """The master notebook's code as plain Python in this process, then export_html; print JSON figures."""
    import ast

    started, cpu0 = time.perf_counter(), time.process_time()
    import nbformat

    import impact_kit  # noqa: F401
    from impact_kit.data.dataset import load_dataset
    from impact_kit.render.export import export_html, warm_exporters

    cells = [c for c in nbformat.read(MASTER, as_version=4).cells if c.cell_type == "code"]
    code = [c.source for c in cells if "parameters" not in c.metadata.get("tags", [])]
    warm_exporters(["fr"])
    imports = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu0}
    t, c = time.perf_counter(), time.process_time()
    load_dataset(data)  # the notebook's SiteReport.load(data=...) finds it validated (once per process)
    validate = {"wall": time.perf_counter() - t, "cpu": time.process_time() - c}
    compiled = []
    for source in code:
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        body = compile(tree, "<cell>", "exec")
        expr = compile(ast.Expression(last.value), "<cell>", "eval") if last else None
        compiled.append((source, body, expr))
    walls, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="impact-kit-bench-floor-") as out:
        for site, year in pairs:
            t, c = time.perf_counter(), time.process_time()
            names = {"site": site, "year": year, "data": data, "grid": "", "lang": "fr", "pseudonymise": False,
                     "programme": True}  # fmt: skip
            nb = nbformat.v4.new_notebook()
            for source, body, expr in compiled:
                exec(body, names)
                value = eval(expr, names) if expr else None
                outputs = []
                if value is not None and hasattr(value, "_repr_html_"):
                    html = value._repr_html_()
                    outputs = [nbformat.v4.new_output("execute_result", data={"text/html": html, "text/plain": ""})]
                nb.cells.append(nbformat.v4.new_code_cell(source, outputs=outputs))
            page = export_html(nb, lang="fr", title=f"{site} · {year}")
            (Path(out) / f"{site}_{year}.html").write_text(page, encoding="utf-8")
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "wall": sum(walls),
                "imports": imports,
                "validate": validate,
                "walls": walls,
                "cpus": cpus,
                "peak_mb": peak,
            }
        )
    )


# ---------------------------------------------------------------- main


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=40, help="site-years in the sample folder (N)")
    parser.add_argument("--chain-sample", type=int, default=10, help="site-years the slow chains run on")
    parser.add_argument("--repeat", type=int, default=3, help="runs of (b), (c), (d); medians are shown")
    parser.add_argument("--big", type=int, default=5000, help="site-years of the big folder (0: skip)")
    parser.add_argument("--big-sites", type=int, default=20, help="site-years run on the big folder")
    parser.add_argument("--no-chain", action="store_true", help="skip (a) and (a')")
    parser.add_argument(
        "--before",
        metavar="REV",
        help="also run (b) and (c) with the kit as it was at this git revision, interleaved: before and after",
    )
    parser.add_argument("--floor-child", help=argparse.SUPPRESS)
    parser.add_argument("--pairs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_child:
        floor_child(args.floor_child, [tuple(p) for p in json.loads(args.pairs)])
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    tmp = Path(tempfile.mkdtemp(prefix="impact-kit-bench-batch-"))
    try:
        measure(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure(args: argparse.Namespace, tmp: Path) -> None:
    n = args.sites
    data = tmp / "data"
    pairs = make_folder(data, n)
    sites = len({s for s, _ in pairs})
    load_start = os.getloadavg()
    say(f"{n} site-years ({sites} sites, up to 3 years) in {data}")

    # (a) and (a'): the first --chain-sample site-years, spread over the folder.
    step = max(1, n // max(1, args.chain_sample))
    sample = pairs[::step][: args.chain_sample]
    # Interleaved: each run does a share of the chains, then (b), (d), (c), so that the ratios
    # compare figures taken under the same load of the (shared) machine.
    a = {"walls": [], "cpus": []} if not args.no_chain else None
    a2 = {"walls": [], "cpus": []} if not args.no_chain else None
    b_runs, c_runs, d_runs = [], [], []
    old = export(args.before, tmp / "before") if args.before else None
    old_b, old_c = [], []
    for i in range(args.repeat):
        share = sample[i :: args.repeat]
        if a is not None and a2 is not None and share:
            say(f"(a) papermill + nbconvert on {len(share)} site-years, run {i + 1}")
            (tmp / "chain").mkdir(exist_ok=True)
            for key, value in chain(data, share, tmp / "chain").items():
                a[key] += value
            say(f"(a') impact-kit report on {len(share)} site-years, run {i + 1}")
            for key, value in report_cli(data, share, tmp / "report").items():
                a2[key] += value
        say(f"(b) batch, run {i + 1}")
        out = tmp / f"batch{i}"
        b_runs.append(batch(data, out))
        say(f"(d) batch rerun, run {i + 1}")
        d_runs.append(batch(data, out))
        shutil.rmtree(out)
        say(f"(c) floor, run {i + 1}")
        c_runs.append(floor(data, pairs))
        if old is not None:
            say(f"(b) and (c) at {args.before}, run {i + 1}")
            old_b.append(batch(data, tmp / f"before{i}", before=old))
            shutil.rmtree(tmp / f"before{i}")
            old_c.append(floor(data, pairs, before=old))
    say("(b) once more, watched for memory")
    memory = watched(data, tmp / "watched")
    for b_run in b_runs:
        b_run |= memory

    big = None
    if args.big:
        say(f"big folder: {args.big} site-years")
        big_data = tmp / "big"
        big_pairs = make_folder(big_data, args.big, seed=1)
        big = {"n": len(big_pairs), "runs": [], "small": []}
        picked = _sites_for(big_pairs, args.big_sites)
        small_picked = _sites_for(pairs, args.big_sites)
        for i in range(args.repeat):
            for key, folder, chosen in (("runs", big_data, picked), ("small", data, small_picked)):
                say(f"  batch --site x{len(chosen[0])} on {folder.name}, run {i + 1}")
                out = tmp / f"{key}{i}"
                flags = [f for s in chosen[0] for f in ("--site", s)]
                first = batch(folder, out, *flags)
                again = batch(folder, out, *flags)
                shutil.rmtree(out)
                big[key].append({"jobs": chosen[1], "first": first, "again": again})
        for key, folder, chosen in (("runs", big_data, picked), ("small", data, small_picked)):
            memory = watched(folder, tmp / f"{key}-watched", *[f for s in chosen[0] for f in ("--site", s)])
            for entry in big[key]:
                entry["first"] |= memory
    load_end = os.getloadavg()
    report(args, n, sites, a, a2, sample, b_runs, c_runs, d_runs, big, load_start, load_end)
    if old is not None:
        compare(args, n, a, (old_b, old_c), (b_runs, c_runs))


def compare(args: argparse.Namespace, n: int, a: dict | None, before: tuple, after: tuple) -> None:
    """Print (b) and (c) before and after, measured in the same run, interleaved: medians of --repeat."""
    head = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True)
    print("")
    print(f"before = {args.before}, after = {head.stdout.strip()} (this checkout), {os.cpu_count()} cores, "
          f"same data, interleaved runs, medians of {args.repeat}")  # fmt: skip
    print(f"{'':<44}{'before':>10}{'after':>10}{'after/before':>14}")
    figures = {}
    for label, (b_runs, c_runs) in (("before", before), ("after", after)):
        b = median_by(b_runs, "wall")
        figures[label] = {
            "(b) batch, wall s/report": b["wall"] / n,
            "(b) batch, CPU s/report": b["cpu"] / n,
            "(c) floor, CPU s/report": med([med(c["cpus"]) for c in c_runs]),
            "(c) floor, wall s/report": med([med(c["walls"]) for c in c_runs]),
        }
        if a:
            figures[label]["a / b (wall per report), x"] = med(a["walls"]) / (b["wall"] / n)
    for key in figures["after"]:
        old, new = figures["before"][key], figures["after"][key]
        print(f"{key:<44}{old:>10.2f}{new:>10.2f}{new / old:>14.2f}")


def _sites_for(pairs: list[tuple[str, int]], wanted: int) -> tuple[list[str], int]:
    """Sites whose site-years add up to about ``wanted``, and that count."""
    chosen: list[str] = []
    count = 0
    for site in sorted({s for s, _ in pairs}):
        if count >= wanted:
            break
        chosen.append(site)
        count += sum(1 for s, _ in pairs if s == site)
    return chosen, count


def walls(runs: list[dict], digits: int) -> str:
    return ", ".join(f"{r['wall']:.{digits}f}" for r in runs)


def median_by(runs: list[dict], key: str) -> dict:
    ordered = sorted(runs, key=lambda r: r[key])
    return ordered[len(ordered) // 2]


def report(args, n, sites, a, a2, sample, b_runs, c_runs, d_runs, big, load_start, load_end) -> None:
    import platform

    out = print
    out(f"impact-kit batch benchmark, {time.strftime('%Y-%m-%d %H:%M')}, os.cpu_count() = {os.cpu_count()}, "
        f"Python {platform.python_version()}")  # fmt: skip
    out(f"load average at start {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}, "
        f"at end {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}")  # fmt: skip
    out(f"N = {n} site-years: {sites} synthetic sites x up to 3 years (2021-2023), bench/synthetic.py seed 0")
    rows = []
    if a and a2:
        out(f"(a) and (a') measured on {len(sample)} of the {n} site-years, one after another, in {args.repeat} "
            "shares interleaved with the runs of (b), extrapolated per report (median of those reports)")  # fmt: skip
        rows.append(("(a) papermill CLI + nbconvert --no-input", med(a["walls"]), med(a["cpus"])))
        rows.append(("(a') impact-kit report", med(a2["walls"]), med(a2["cpus"])))
    b = median_by(b_runs, "wall")
    c = median_by(c_runs, "wall")
    d = median_by(d_runs, "wall")
    c_wall, c_cpu = med(c["walls"]), med(c["cpus"])
    rows.append((f"(b) impact-kit batch, default workers, {n} reports", b["wall"] / n, b["cpu"] / n))
    rows.append(("(c) floor: notebook code as Python + export_html, 1 process", c_wall, c_cpu))
    out(f"(b), (c), (d): median of {len(b_runs)} runs (the run with the median wall time)")
    out("")
    out(f"{'way':<62}{'wall s/report':>14}{'CPU s/report':>14}")
    for name, wall, cpu in rows:
        out(f"{name:<62}{wall:>14.2f}{cpu:>14.2f}")
    out("")
    out(f"(b) whole command: {b['wall']:.1f} s wall, {b['cpu']:.1f} s CPU (parent + children) for {n} reports; "
        f"runs: {walls(b_runs, 1)} s")  # fmt: skip
    out(f"    CPU / (wall x {os.cpu_count()} cores) = {b['cpu'] / (b['wall'] * (os.cpu_count() or 1)):.0%} "
        "(below 100%: the cores were shared with other jobs, or idle)")  # fmt: skip
    durations = child_durations(b["stderr"])
    if durations:
        out(f"    one report inside the batch (child's own duration): median {med(durations):.2f} s, "
            f"max {max(durations):.2f} s")  # fmt: skip
    out(f"(c) floor: imports {c['imports']['wall']:.2f} s, load+validate {c['validate']['wall']:.2f} s (once), "
        f"then median {c_wall:.2f} s wall, {c_cpu:.2f} s CPU per report; peak RSS {c['peak_mb']:.0f} MB; "
        f"whole process incl. imports and load: {(sum(c['cpus']) + c['imports']['cpu'] + c['validate']['cpu']) / n:.2f}"
        " s CPU per report")  # fmt: skip
    out(f"(d) rerun, nothing changed: {d['wall']:.2f} s (runs: {walls(d_runs, 2)} s)")
    out("")
    if a:
        out(f"a / b   (wall per report): {med(a['walls']) / (b['wall'] / n):.1f}x   (target >= 8x)")
        out(f"a' / b  (wall per report): {med(a2['walls']) / (b['wall'] / n):.1f}x")
        out(f"a / b   (CPU per report):  {med(a['cpus']) / (b['cpu'] / n):.1f}x   (less sensitive to other jobs)")
    out(f"b / c   (wall per report): {(b['wall'] / n) / c_wall:.2f}x  (b runs {os.cpu_count()} reports at a time)")
    out(f"b / c   (CPU per report):  {(b['cpu'] / n) / c_cpu:.2f}x   (target <= 2x)")
    out("")
    out(f"memory, (b): batch parent peak RSS (VmHWM) {b['parent_hwm_mb']:.0f} MB; "
        f"{b['children_seen']} children seen (one per report)")  # fmt: skip
    out(f"  a child's peak RSS (VmHWM, counts pages shared with the parent): max {b['child_hwm_mb']:.0f} MB, "
        f"median {b['child_hwm_median_mb']:.0f} MB   (target <= 400 MB)")  # fmt: skip
    out(f"  a child's private memory (Private_Clean+Dirty, its own cost): max {b['child_private_mb']:.0f} MB, "
        f"median {b['child_private_median_mb']:.0f} MB")  # fmt: skip
    rate = b["wall"] / n
    out(f"5,000 site-years at (b)'s rate ({rate:.2f} s/report, {os.cpu_count()} cores): "
        f"{5000 * rate / 60:.0f} min ({5000 * rate / 3600:.1f} h), plus the big folder's fixed cost below")  # fmt: skip
    if big:
        out("")
        out(f"big folder: {big['n']} site-years; `batch --site ...` on a few sites, then the same command again "
            "(all skipped: imports + load + validate + fingerprints + index = the fixed cost); "
            f"median of {len(big['runs'])}")  # fmt: skip
        for key, label in (("small", f"N={n} folder"), ("runs", f"{big['n']}-site-year folder")):
            first = median_by([r["first"] for r in big[key]], "wall")
            again = median_by([r["again"] for r in big[key]], "wall")
            jobs = big[key][0]["jobs"]
            per = (first["wall"] - again["wall"]) / jobs
            per_cpu = (first["cpu"] - again["cpu"]) / jobs
            inside = child_durations(first["stderr"])
            out(f"  {label:<26} {jobs} reports: first {first['wall']:.2f} s, rerun (fixed cost) {again['wall']:.2f} s, "
                f"(first - fixed) / jobs = {per:.2f} s/report, CPU {per_cpu:.2f} s/report; "
                f"child's own median {med(inside):.2f} s; "
                f"parent peak {first['parent_hwm_mb']:.0f} MB, child peak {first['child_hwm_mb']:.0f} MB, "
                f"child private {first['child_private_mb']:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()

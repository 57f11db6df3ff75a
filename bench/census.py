"""The census, end to end: ``batch`` of every site-year, ``portfolio``, and the index, in one real run.

Run: .venv/bin/python bench/census.py [--site-years 5000] [--work DIR] [--nice 0] [--repeat 5]

Writes the synthetic folder of :func:`batch.make_folder` (``--site-years``, seed 1: sites of
one to three years, 2021-2023) in ``--work`` (a temporary folder removed after, by default),
then runs, one after another, as a user would:

1. ``impact-kit batch --data D --out R`` (default workers: one per CPU);
2. ``impact-kit portfolio LAST --data D --out R`` (it writes ``R/index.html`` again);
3. ``bench/index.py --reports R``: the index's size, and its open and filter times in Chromium.

For each command: its wall time, and its peak memory: the summed resident (RSS) and
proportional (PSS: shared pages counted once) sizes of its process tree, sampled every
second with psutil. For the batch, from its manifest: reports done and failed, and the
median and 90th percentile of a report's duration in its child. Then the sizes of what the
portfolio wrote. It measures and prints a Markdown table; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))


def run_measured(args: list[str], nice: int) -> tuple[float, float, float, int]:
    """Run ``args``; return its wall seconds, peak RSS and PSS of its process tree (MB), and exit code."""
    peak = [0.0, 0.0]
    started = time.perf_counter()
    proc = subprocess.Popen(["nice", "-n", str(nice), *args] if nice else args)
    done = threading.Event()

    def sample() -> None:
        try:
            top = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.wait(1.0):
            rss = pss = 0
            try:
                tree = [top, *top.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for member in tree:
                try:
                    info = member.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            peak[0] = max(peak[0], rss / 2**20)
            peak[1] = max(peak[1], pss / 2**20)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    return wall, peak[0], peak[1], code


def census(work: Path, site_years: int, nice: int, repeat: int) -> None:
    """Write the folder, run the three commands and print what they measured."""
    from batch import make_folder

    data, out = work / "data", work / "reports"
    pairs = make_folder(data, site_years, seed=1)
    years = sorted({year for _, year in pairs})
    sites = {site for site, _ in pairs}
    per_year = ", ".join(f"{sum(1 for _, y in pairs if y == year):,} in {year}" for year in years)
    print(f"folder: {len(pairs):,} site-years of {len(sites):,} sites ({per_year})", flush=True)
    load_before = os.getloadavg()

    cli = str(BIN / "impact-kit")
    rows: list[tuple[str, str]] = []
    wall, rss, pss, code = run_measured([cli, "batch", "--data", str(data), "--out", str(out)], nice)
    jobs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["jobs"].values()
    done = [job for job in jobs if job["status"] == "done"]
    durations = sorted(job["duration"] for job in done)
    rows += [
        ("`batch`: exit code", str(code)),
        ("`batch`: site-years done / failed", f"{len(done):,} / {sum(1 for j in jobs if j['status'] != 'done'):,}"),
        ("`batch`: wall time", f"{wall:,.0f} s ({wall / 60:.1f} min)"),
        ("`batch`: reports per second", f"{len(done) / wall:.2f}"),
        ("`batch`: a report in its child, median / 90th percentile", _percentiles(durations)),
        ("`batch`: peak memory of its process tree", f"RSS {rss:,.0f} MB, PSS {pss:,.0f} MB"),
    ]
    last = str(years[-1])
    wall, rss, pss, code = run_measured([cli, "portfolio", last, "--data", str(data), "--out", str(out)], nice)
    folder = out / "portfolio" / last
    sizes = " / ".join(f"{(folder / name).stat().st_size / 2**20:.2f}" for name in _portfolio_files(folder))
    rows += [
        (f"`portfolio {last}`: exit code", str(code)),
        (f"`portfolio {last}`: wall time", f"{wall:.1f} s"),
        (f"`portfolio {last}`: peak memory", f"RSS {rss:,.0f} MB, PSS {pss:,.0f} MB"),
        (f"`portfolio {last}`: {' / '.join(_portfolio_files(folder))}, MB", sizes),
        ("`index.html`, MB", f"{(out / 'index.html').stat().st_size / 2**20:.2f}"),
    ]
    load_after = os.getloadavg()
    print(flush=True)
    print(
        f"| figure ({os.cpu_count()} cores, nice {nice}, load {load_before[1]:.1f} before, "
        f"{load_after[1]:.1f} after, 5-min averages) | measured |"
    )
    print("|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(flush=True)
    print("The index, in Chromium:", flush=True)
    subprocess.run(
        [sys.executable, str(HERE / "index.py"), "--reports", str(out), "--repeat", str(repeat)], check=False
    )


def _percentiles(durations: list[float]) -> str:
    if not durations:
        return "-"
    tenth = statistics.quantiles(durations, n=10)[-1] if len(durations) > 1 else durations[0]
    return f"{statistics.median(durations):.2f} s / {tenth:.2f} s"


def _portfolio_files(folder: Path) -> list[str]:
    return [name for name in ("report.html", "indicators.csv", "response.csv") if (folder / name).is_file()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-years", type=int, default=5000)
    parser.add_argument(
        "--work", type=Path, help="where to write the data and reports (kept); a temporary folder by default"
    )
    parser.add_argument("--nice", type=int, default=0, help="run the commands under nice -n N")
    parser.add_argument("--repeat", type=int, default=5, help="opens and filters of the index (medians)")
    args = parser.parse_args()
    if args.work:
        if args.work.exists():
            shutil.rmtree(args.work)
        args.work.mkdir(parents=True)
        census(args.work, args.site_years, args.nice, args.repeat)
        return
    with tempfile.TemporaryDirectory(prefix="impact-kit-bench-census-") as tmp:
        census(Path(tmp), args.site_years, args.nice, args.repeat)


if __name__ == "__main__":
    main()

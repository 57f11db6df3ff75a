"""The portfolio at scale: N synthetic sites x 3 years, end to end, time and peak memory per stage.

Run: .venv/bin/python bench/portfolio.py [--sites 5000] [--year 2023] [--data FOLDER]
Without ``--data`` it writes a synthetic folder (:mod:`synthetic`) in a temporary
folder, in a child process so that its memory is not counted, and removes it after.
It measures and prints; it asserts nothing (bench/README.md: the targets, under 60 s and
1 GB on 2 cores for 5,000 sites x 3 years, and the figures measured). Peak memory is the process's maximum
resident set size (``getrusage``), imports and interpreter included.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage(name: str, action: Callable[[], Any], report: list[tuple[str, float, float]]) -> Any:
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    report.append((name, seconds, peak_mb()))
    print(f"{name:<40}{seconds:8.2f} s   peak {peak_mb():7.0f} MB", flush=True)
    return result


def _imports() -> SimpleNamespace:
    from matplotlib.figure import Figure

    from impact_kit.data import observations
    from impact_kit.grid import file as grid_file
    from impact_kit.indicators import portfolio as portfolio_sections
    from impact_kit.indicators import table as portfolio
    from impact_kit.render import charts, portfolio_charts

    return SimpleNamespace(
        Figure=Figure,
        charts=charts,
        grid_file=grid_file,
        observations=observations,
        portfolio=portfolio,
        portfolio_charts=portfolio_charts,
        portfolio_sections=portfolio_sections,
    )


def run(data: Path, year: int, out: Path) -> list[tuple[str, float, float]]:
    report: list[tuple[str, float, float]] = []

    kit = stage("import impact_kit, pandas, matplotlib", _imports, report)
    grid_mod, obs_mod, pf, sections, pf_charts, charts = (
        kit.grid_file,
        kit.observations,
        kit.portfolio,
        kit.portfolio_sections,
        kit.portfolio_charts,
        kit.charts,
    )
    grid = grid_mod.default_grid()
    sites = stage("load_sites", lambda: obs_mod.load_sites(data), report)
    obs = stage("load_observations", lambda: obs_mod.load_observations(data, grid=grid, sites=sites), report)
    table = stage("indicator_table", lambda: pf.indicator_table(obs, grid, sites), report)
    parts = stage("section tables", lambda: sections.portfolio_sections(obs, table, grid, year), report)
    previous = sections.previous_year(table, year) or year - 1
    reporting = int((parts["sites_reporting"]["status"] != "missing").sum())

    def draw() -> dict[str, int]:
        drawn = {
            "effect_shares": (pf_charts.effect_share_chart, (parts["effect_shares"], grid), {}, (8, 8)),
            "intensity_distribution": (
                pf_charts.intensity_distribution_chart,
                (parts["intensity_distribution"], grid),
                {},
                (8, 3.6),
            ),
            "intensity_change": (
                pf_charts.intensity_change_chart,
                (parts["intensity_change"], grid),
                {"previous": previous},
                (8, 3.6),
            ),
            "publics_reach": (pf_charts.publics_heatmap, (parts["publics_reach"], grid), {}, (7, 4.5)),
            "effect_movers": (pf_charts.movers_chart, (parts["effect_movers"],), {"previous": previous}, (9, 6)),
        }
        sizes = {}
        with charts.chart_style():
            for name, (draw_chart, args, options, size) in drawn.items():
                figure = kit.Figure(figsize=size)
                draw_chart(*args, ax=figure.add_subplot(), **options)
                figure.tight_layout()
                buffer = io.StringIO()
                figure.savefig(buffer, format="svg")
                sizes[name] = len(buffer.getvalue())
        pf_charts.effect_share_alt(parts["effect_shares"], grid)
        pf_charts.intensity_distribution_alt(parts["intensity_distribution"], grid, year=year)
        pf_charts.intensity_change_alt(parts["intensity_change"], grid, previous=previous, year=year)
        pf_charts.publics_heatmap_alt(parts["publics_reach"], grid, sites=reporting, year=year)
        pf_charts.movers_alt(parts["effect_movers"], previous=previous, year=year)
        return sizes

    sizes = stage("5 charts to SVG (+ alt texts)", draw, report)
    stage("write indicators.csv", lambda: pf.write_indicators_csv(table, out / "indicators.csv"), report)
    print(
        f"\n{len(sites):,} sites, {len(obs):,} observation rows, {len(table):,} indicator rows, "
        f"{reporting:,} sites reporting in {year}; SVG sizes (KB): "
        + ", ".join(f"{k} {v / 1024:.0f}" for k, v in sizes.items())
        + f"; indicators.csv {(out / 'indicators.csv').stat().st_size / 1e6:.1f} MB"
    )
    return report


def end_to_end(data: Path, year: int, out: Path) -> None:
    """Time ``impact-kit portfolio`` as a user runs it: check, kernel, notebook, export, files.

    The parent process checks the data and writes indicators.csv; the kernel (a child)
    runs the notebook. Peak memory is given for each: the kernel's is its ``VmHWM``,
    read from ``/proc`` every 0.2 s while it runs (Linux).
    """
    import threading

    from impact_kit.reports.run import run_portfolio

    peaks: dict[int, float] = {}  # child pid -> its peak RSS (VmHWM), MB
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                except OSError:
                    continue
                if fields.get("PPid", "").strip() == str(os.getpid()) and "VmHWM" in fields:
                    peaks[int(status.parent.name)] = int(fields["VmHWM"].split()[0]) / 1024

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    paths = run_portfolio(year, data=data, out=out)
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    kernel = max(peaks.values(), default=float("nan"))
    sizes = ", ".join(
        f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in (paths.html, paths.notebook, paths.indicators)
    )
    print(f"{'impact-kit portfolio (run_portfolio)':<40}{seconds:8.2f} s   peak {peak_mb():7.0f} MB (parent), "
          f"{kernel:.0f} MB (kernel); {sizes}")  # fmt: skip


# Timed in a fresh process: load_observations alone (after the imports), then the peak RSS. It runs
# against the kit on sys.path, so that PYTHONPATH can point it at an earlier revision (--before).
_LOAD = """
import json, resource, sys, time
try:
    from impact_kit.data.observations import load_observations, load_sites
    from impact_kit.grid.file import default_grid
except ImportError:  # the flat layout, before the subpackages
    from impact_kit.observations import load_observations, load_sites
    from impact_kit.grid_file import default_grid
grid, sites = default_grid(), load_sites(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
rows = len(load_observations(sys.argv[1], grid=grid, sites=sites))
print(json.dumps({"rows": rows, "wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def export(revision: str, folder: Path) -> Path:
    """Write the kit as it was at ``revision`` (git archive) into ``folder``; return it."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", revision], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def before_after(data: Path, year: int, tmp: Path, revision: str, repeat: int, *, load_only: bool = False) -> None:
    """load_observations, and `impact-kit portfolio YEAR` as a whole command, before and after, interleaved.

    "before" is the kit at ``revision`` (exported, found first through PYTHONPATH), "after"
    this checkout; each figure is the median of ``repeat`` runs taken turn about, so that
    both see the same load of a shared machine. The command's time includes its imports,
    the check of the data, the notebook, the export and the files: what a user waits for.
    """
    old = export(revision, tmp / "before")
    data = data.resolve()
    kits = {"before": {**os.environ, "PYTHONPATH": str(old)}, "after": None}
    figures: dict[str, dict[str, list[float]]] = {k: {"load s": [], "load MB": [], "portfolio s": []} for k in kits}
    rows = 0
    for i in range(repeat):
        for kit, env in kits.items():
            # From tmp: `python -c` and `-m` put the working directory first on sys.path, before PYTHONPATH.
            done = subprocess.run(
                [sys.executable, "-c", _LOAD, str(data)], capture_output=True, text=True, check=True, env=env, cwd=tmp
            )
            load = json.loads(done.stdout.strip().splitlines()[-1])
            rows = load["rows"]
            figures[kit]["load s"].append(load["wall"])
            figures[kit]["load MB"].append(load["peak_mb"])
            if load_only:
                figures[kit]["portfolio s"].append(float("nan"))
                print(f"  run {i + 1}, {kit}: load {load['wall']:.2f} s, {load['peak_mb']:.0f} MB", flush=True)
                continue
            out = tmp / f"{kit}{i}"
            command = [sys.executable, "-m", "impact_kit.cli", "portfolio", str(year), "--data", str(data)]
            start = time.perf_counter()
            subprocess.run([*command, "--out", str(out)], capture_output=True, check=True, env=env, cwd=tmp)
            figures[kit]["portfolio s"].append(time.perf_counter() - start)
            shutil.rmtree(out, ignore_errors=True)
            print(f"  run {i + 1}, {kit}: load {load['wall']:.2f} s, {load['peak_mb']:.0f} MB; "
                  f"portfolio {figures[kit]['portfolio s'][-1]:.2f} s", flush=True)  # fmt: skip
    print(f"\n{rows:,} observation rows; before = {revision}, after = this checkout; {os.cpu_count()} cores; "
          f"medians of {repeat}, interleaved")  # fmt: skip
    print(f"{'':<48}{'before':>10}{'after':>10}{'after/before':>14}")
    labels = {
        "load s": "load_observations, s (fresh process)",
        "load MB": "  peak RSS of that process, MB",
        "portfolio s": f"impact-kit portfolio {year}, whole command, s",
    }
    for key, label in labels.items():
        old_value, new_value = statistics.median(figures["before"][key]), statistics.median(figures["after"][key])
        print(f"{label:<48}{old_value:>10.2f}{new_value:>10.2f}{new_value / old_value:>14.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, help="an existing data folder (no synthetic one is made)")
    parser.add_argument(
        "--end-to-end", action="store_true", help="time `impact-kit portfolio` (notebook, kernel, export) instead"
    )
    parser.add_argument(
        "--before",
        metavar="REV",
        help="time load_observations and `impact-kit portfolio` with the kit at REV and with this one, interleaved",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (with --before)")
    parser.add_argument("--load-only", action="store_true", help="with --before: time load_observations only")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores (os.cpu_count), Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="impact-kit-bench-") as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "data"
            start = time.perf_counter()
            command = [sys.executable, str(HERE / "synthetic.py"), str(data), str(args.sites), "--seed", str(args.seed)]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            print(f"{'(generate, child process, not counted)':<40}{time.perf_counter() - start:8.2f} s")
        if args.before:
            before_after(data, args.year, Path(tmp), args.before, args.repeat, load_only=args.load_only)
            return
        if args.end_to_end:
            end_to_end(data, args.year, Path(tmp) / "reports")
            return
        start = time.perf_counter()
        report = run(data, args.year, Path(tmp) / "out")
        total = time.perf_counter() - start
    print(f"{'total':<40}{total:8.2f} s   peak {max(p for _, _, p in report):7.0f} MB")


if __name__ == "__main__":
    main()

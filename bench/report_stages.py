"""Where the time of one report goes: loading, each section, the whole papermill run.

Run: .venv/bin/python bench/report_stages.py [SITE YEAR] [--repeat N]
It measures and prints; it asserts nothing (bench/README.md holds the targets and the figures).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(action, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", nargs="?", default="la-fabrique-des-possibles-exemple")
    parser.add_argument("year", nargs="?", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    from impact_kit.reports.run import run_report
    from impact_kit.reports.site import CHARTS, SiteReport

    print(f"{'import impact_kit (once)':<32}{time.perf_counter() - start:8.3f} s")
    load, report = timed(lambda: SiteReport.load(args.site, args.year, data=ROOT / "data"), args.repeat)
    print(f"{'SiteReport.load':<32}{load:8.3f} s")
    sections = {"header()": report.header, "summary()": report.summary, "changes()": report.changes}
    sections |= {f"chart({name!r})": lambda name=name: report.chart(name) for name in CHARTS}
    sections |= {f"level({i})": lambda i=i: report.level(i) for i in range(1, len(report.grid.levels) + 1)}
    for name, section in sections.items():
        seconds, _ = timed(section, args.repeat)
        print(f"{'  .' + name:<32}{seconds:8.3f} s")
    with tempfile.TemporaryDirectory() as out:
        seconds, _ = timed(lambda: run_report(args.site, args.year, data=ROOT / "data", out=out), args.repeat)
    print(f"{'run_report (papermill + export)':<32}{seconds:8.3f} s   median of {args.repeat}")


if __name__ == "__main__":
    main()

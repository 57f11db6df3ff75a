"""reports/index.html at scale: its size, and the time Chromium takes to open it and to filter it.

Run: .venv/bin/python bench/index.py [--sites 5000] [--repeat 3]
     .venv/bin/python bench/index.py --reports REPORTS   # the index of a reports folder already written

Without ``--reports`` it writes a synthetic folder of ``--sites`` sites x 3 years (:mod:`synthetic`),
a manifest of every site-year as done, an empty ``report.html`` for each (the links the index checks)
and the index (:func:`impact_kit.batch.index.write_index`), in a temporary folder removed after.
Then, in Debian's Chromium (Playwright, never a downloaded browser), at 375 and 1280 px: the time
from navigation to the load event and to the first contentful paint, and the time a filter takes
(typing a word that matches a few sites, then one that matches none: the input handler and the
layout after it). It measures and prints (medians of ``--repeat``); it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"

#: Type ``word`` in the filter, run its handler and lay the page out again: the milliseconds it took.
FILTER = """(word) => {
  const input = document.getElementById("ik-filter");
  const start = performance.now();
  input.value = word;
  input.dispatchEvent(new Event("input"));
  document.body.getBoundingClientRect();
  const shown = document.querySelectorAll("#ik-index-table tbody tr:not([hidden])").length;
  return [performance.now() - start, shown];
}"""

OPENED = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const rows = document.querySelectorAll("#ik-index-table tbody tr").length;
  return [nav.loadEventEnd, paint ? paint.startTime : null, rows];
}"""


def synthetic_index(folder: Path, sites: int) -> Path:
    """Write a synthetic data folder and the index of its every site-year into ``folder``; return the index."""
    sys.path.insert(0, str(HERE))
    from synthetic import make_sample

    from impact_kit.batch.index import write_index
    from impact_kit.batch.manifest import Entry, Manifest
    from impact_kit.data.dataset import load_dataset

    data = make_sample(folder / "data", sites, seed=0)
    dataset = load_dataset(data)
    out = folder / "reports"
    pairs = dataset.observations[["site", "year"]].drop_duplicates().itertuples(index=False)
    entries = {}
    for site, year in pairs:
        (out / site / str(year)).mkdir(parents=True, exist_ok=True)
        (out / site / str(year) / "report.html").touch()
        entries[f"{site}/{year}"] = Entry(str(site), int(year), "", "done", 0.1)
    start = time.perf_counter()
    index = write_index(dataset, Manifest(out, entries), out)
    print(f"{len(entries):,} site-years of {dataset.sites.shape[0]:,} sites; index written in "
          f"{time.perf_counter() - start:.2f} s")  # fmt: skip
    return index


def measure(index: Path, repeat: int, query: str) -> None:
    """Open ``index`` in Chromium ``repeat`` times per width and print the medians."""
    from playwright.sync_api import sync_playwright

    size = index.stat().st_size
    print(f"{index}: {size / 1e6:.2f} MB")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for width in (375, 1280):
            loads, paints, some, none = [], [], [], []
            rows = shown = 0
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": width, "height": 800})
                page.goto(index.as_uri(), wait_until="load")
                load, paint, rows = page.evaluate(OPENED)
                loads.append(load)
                paints.append(paint or load)
                ms, shown = page.evaluate(FILTER, query)
                some.append(ms)
                none.append(page.evaluate(FILTER, "zzz-no-such-site")[0])
                assert page.locator("#ik-none").is_visible()
                page.close()
            print(
                f"{width} px, {rows:,} rows: open (load event) {statistics.median(loads):.0f} ms, "
                f"first paint {statistics.median(paints):.0f} ms; filter '{query}' ({shown:,} rows shown) "
                f"{statistics.median(some):.0f} ms, to nothing {statistics.median(none):.0f} ms "
                f"(medians of {repeat})"
            )
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=5000, help="synthetic sites (x 3 years)")
    parser.add_argument("--reports", type=Path, help="a reports folder already written: measure its index.html")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--query", default="s12", help="what to type in the filter (matches a few sites)")
    args = parser.parse_args()
    if args.reports:
        measure(args.reports.resolve() / "index.html", args.repeat, args.query)
        return
    with tempfile.TemporaryDirectory(prefix="impact-kit-bench-index-") as tmp:
        measure(synthetic_index(Path(tmp), args.sites), args.repeat, args.query)


if __name__ == "__main__":
    main()

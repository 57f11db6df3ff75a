"""Time and memory of one very long testimony: import, read back, validate.

Run: .venv/bin/python bench/big_testimony.py [--mb 50] [--repeat 3]
It builds a place whose testimony is MB megabytes of French text (accents, quotes,
commas, line breaks), imports it into a temporary data folder, then reads it back.
It measures and prints (median of the runs, peak traced memory); it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path


def testimony(megabytes: float) -> str:
    line = 'Au début, les voisines passaient « sans entrer », disait-elle ; "puis" elles sont restées.\n'
    return (line * (int(megabytes * 1_000_000) // len(line.encode()) + 1))[: int(megabytes * 1_000_000)]


def measure(action) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds of one untraced run, then peak traced memory (MB) of a second, traced run."""
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from impact_kit.data.observations import load_observations
    from impact_kit.data.read import read_table
    from impact_kit.importers.commune_mesure import IMPORT_FILE, import_places

    text = testimony(args.mb)
    print(f"testimony: {len(text):,} characters, {len(text.encode()) / 1e6:.1f} MB UTF-8; {os.cpu_count()} cores")
    results: dict[str, list[tuple[float, float]]] = {"import": [], "read_table": [], "load_observations": []}
    with tempfile.TemporaryDirectory() as tmp:
        place = Path(tmp) / "place.json"
        doc = {
            "name": "Le Long",
            "address": {"city": "Lyon"},
            "blocs": {"impact_social": {"donnees": {"lien_social": text}}},
        }
        place.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        for run in range(args.repeat):
            data = Path(tmp) / f"data{run}"
            data.mkdir()
            results["import"].append(measure(lambda: import_places([place], 2022, data, replace=True)))  # noqa: B023
            results["read_table"].append(measure(lambda: read_table(data / IMPORT_FILE)))  # noqa: B023
            results["load_observations"].append(measure(lambda: load_observations(data)))  # noqa: B023
        assert load_observations(data)["value"].iloc[0] == text
    for stage, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        peak = statistics.median(r[1] for r in runs)
        print(f"{stage:<20}{seconds:8.2f} s   peak traced memory {peak:8.0f} MB")
    print(f"process peak RSS (everything above): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


if __name__ == "__main__":
    main()

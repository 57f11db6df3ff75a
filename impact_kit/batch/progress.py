"""A batch's progress: a tqdm bar on a terminal, one plain line per report otherwise."""

from __future__ import annotations

import sys
from typing import Any

from impact_kit.batch.jobs import Job
from impact_kit.batch.manifest import Entry

__all__ = ["Progress"]


class Progress:
    """A tqdm bar on a terminal (done, failed, rate, time left); one plain line per report otherwise."""

    def __init__(self, total: int, *, enabled: bool | None) -> None:
        self.total = total
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.count = 0
        self.failed = 0
        self.bar: Any = None

    def __enter__(self) -> Progress:
        if self.enabled and self.total:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: the batch forks, and forking beside threads is unsafe
            self.bar = tqdm(total=self.total, unit="report", file=sys.stderr, dynamic_ncols=True)
        return self

    def update(self, job: Job, entry: Entry) -> None:
        """Count a finished job and show it."""
        self.count += 1
        self.failed += entry.status != "done"
        if self.bar is not None:
            self.bar.set_postfix(failed=self.failed, refresh=False)
            self.bar.update(1)
            if entry.status != "done":
                self.bar.write(f"failed: {entry.error}", file=sys.stderr)
        else:
            what = "done" if entry.status == "done" else f"FAILED: {entry.error}"
            print(f"[{self.count}/{self.total}] {job.key} ({entry.duration:.1f} s) {what}", file=sys.stderr)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

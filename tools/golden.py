"""Record the digests of the sample site reports (tests/data/golden/site-reports.json).

tests/test_golden.py checks that every sample site report is the same as recorded, but
for the date. Run this after a change meant to alter the reports, and say why in the commit:

    .venv/bin/python tools/golden.py            # runs the batch on data/ into a temporary folder
    .venv/bin/python tools/golden.py REPORTS    # or reads a reports folder already written
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden" / "site-reports.json"
_DATED = re.compile(r'<p class="ik-date">[^<]*</p>|<footer class="ik-footer">.*?</footer>', re.S)


def digest(html: str) -> str:
    """Return the SHA-256 of a report's HTML without its two dated lines."""
    return hashlib.sha256(_DATED.sub("", html).encode("utf-8")).hexdigest()


def digests(reports: Path) -> dict[str, str]:
    """Return ``{"<site>/<year>": digest}`` for every site report of a reports folder."""
    return {
        f"{path.parent.parent.name}/{path.parent.name}": digest(path.read_text(encoding="utf-8"))
        for path in sorted(reports.glob("*/[0-9]*/report.html"))
        if path.parent.parent.name != "portfolio"
    }


def main(argv: list[str]) -> int:
    """Write the digests of a reports folder, or of a batch run on data/, to the golden file."""
    if argv:
        found = digests(Path(argv[0]))
    else:
        from impact_kit.batch.run import run_batch

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "reports"
            run_batch(data=ROOT / "data", out=out, parameters=ROOT / "parameters", progress=False)
            found = digests(out)
    GOLDEN.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{GOLDEN.relative_to(ROOT)}: {len(found)} reports")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

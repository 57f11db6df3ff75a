"""Regenerate the README's screenshots: the first screen of two reports at 1280 px and at 375 px.

Run by ``make screenshots``. Writes the two reports in a temporary folder with
``impact-kit report``, opens each in Debian's Chromium (Playwright, never a downloaded
browser), and saves ``docs/screenshots/<site>-<width>.png``, reduced to 64 colours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from impact_kit.reports.run import run_report

ROOT = Path(__file__).resolve().parent.parent
REPORTS = [("the-good-start", 2021), ("la-fabrique-des-possibles-exemple", 2023)]
SCREENS = [(1280, 800), (375, 667)]


def main() -> None:
    """Write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--browser", default=os.environ.get("IMPACT_KIT_BROWSER") or shutil.which("chromium"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.browser, args=["--no-sandbox"])
        for site, year in REPORTS:
            html = run_report(site, year, data=ROOT / "data", out=Path(folder)).html
            for width, height in SCREENS:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(html.as_uri())
                target = args.out / f"{site}-{width}.png"
                page.screenshot(path=target)
                page.close()
                Image.open(target).quantize(colors=64).save(target, optimize=True)
                print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} kB")
        browser.close()


if __name__ == "__main__":
    main()

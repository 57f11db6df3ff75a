"""Word output: the candidates measured on the same report pages (fidelity, seconds per report, install size).

Run: .venv/bin/python bench/word.py [--reports FOLDER] [--repeat N]

FOLDER holds exported reports (`make reports`, or `impact-kit batch --out FOLDER`); every
``*/*/report.html`` is converted. Candidates:

- ``python-docx``: the kit's :func:`impact_kit.render.docx.docx_bytes` (charts through resvg);
- ``pandoc``: pypandoc-binary's pandoc, HTML to DOCX with the kit's template as reference
  document; pandoc's HTML reader drops inline ``<svg>``, so each is first replaced by an
  ``<img>`` of its PNG (the same resvg rendering, timed with it as it is with python-docx);
- ``docxtpl``: a Jinja template inside a .docx, rendered with the page's blocks as
  paragraphs (it has no HTML reader: tables, lists and pictures would each be built with
  python-docx as sub-documents, so only its paragraph pass is measured).

Each output is read back with python-docx and scored on what the tests require: Word
headings in the page's order, seed statements present, testimonies in a quote style,
pictures with alt text, tables. Also times resvg against cairosvg on the charts.
It measures and prints; it asserts nothing. Optional packages (pypandoc-binary, docxtpl,
cairosvg) are skipped when absent: ``pip install pypandoc-binary docxtpl cairosvg``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import io
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def timed(action, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def installed_mb(*names: str) -> float:
    """Installed size of distributions (their RECORD files), in MB."""
    total = 0
    for name in names:
        try:
            files = importlib.metadata.files(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        total += sum(f.size or 0 for f in files)
    return total / 1e6


def in_order(wanted: list[str], got: list[str]) -> int:
    """How many of the wanted headings the document has as Word headings, in the page's order."""
    found, rest = 0, iter(got)
    for heading in wanted:
        if any(heading == g for g in rest):
            found += 1
    return found


def score(data: bytes, page: str) -> dict[str, object]:
    """What a reader of the Word file gets, against the page."""
    import docx
    from bs4 import BeautifulSoup
    from test_export import SEED_STATEMENTS

    document = docx.Document(io.BytesIO(data))
    soup = BeautifulSoup(page, "html.parser")
    main = soup.find("main") or soup
    wanted = [" ".join(h.get_text().split()) for h in main.find_all(["h2", "h3"]) if not h.find_parent("nav")]
    title = " ".join(main.find("h1").get_text().split()) if main.find("h1") else ""
    styles = ("Heading 1", "Heading 2", "Heading 3")
    got = [p.text.strip() for p in document.paragraphs if p.style.name in styles and p.text.strip() != title]
    text = "\n".join(
        [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    quotes = sum(p.style.name in ("Quote", "Block Text") for p in document.paragraphs)
    alts = [s._inline.docPr.get("descr") or "" for s in document.inline_shapes]
    return {
        "headings": f"{in_order(wanted, got)}/{len(wanted)}",
        "seed": f"{sum(s in text for s in SEED_STATEMENTS)}/{len(SEED_STATEMENTS)}"
        if "The Good Start" in page
        else "-",
        "quotes": f"{quotes}/{len(soup.select('figure.ik-testimony'))}",
        "pictures": f"{sum(len(a) > 40 for a in alts)}/{len(document.inline_shapes)} alt",
        "tables": f"{len(document.tables)}/{len(main.find_all('table'))}",
    }


def svg_to_img(page: str) -> str:
    """The page with each inline chart as an <img> of its PNG (what pandoc can read)."""
    import base64

    from impact_kit.render.docx_parts import chart_png

    def replace(match: re.Match[str]) -> str:
        png, _ = chart_png(match[0])
        label = re.search(r'aria-label="([^"]*)"', match[0])
        alt = label[1] if label else ""
        return f'<img alt="{alt}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'

    page = re.sub(r'<div class="ik-chart-narrow" hidden="?"?>.*?</div>', "", page, flags=re.S)
    return re.sub(r"<svg\b.*?</svg>", replace, page, flags=re.S)


def run_python_docx(page: str) -> bytes:
    from impact_kit.render.docx import docx_bytes

    return docx_bytes(page, lang="fr", title="bench", footer="bench · 2021")


def run_pandoc(page: str) -> bytes:
    import pypandoc

    from impact_kit.render.docx import DEFAULT_TEMPLATE

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "out.docx"
        pypandoc.convert_text(page, "docx", format="html", outputfile=str(target),
                              extra_args=[f"--reference-doc={DEFAULT_TEMPLATE}", "--toc"])  # fmt: skip
        return target.read_bytes()


def run_docxtpl(page: str, template: Path) -> bytes:
    from bs4 import BeautifulSoup
    from docxtpl import DocxTemplate

    soup = BeautifulSoup(page, "html.parser")
    blocks = [
        " ".join(b.get_text().split())
        for b in soup.select("main h1, main h2, main h3, main p, main li, main blockquote")
    ]
    document = DocxTemplate(str(template))
    document.render({"blocks": blocks})
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docxtpl_template(folder: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("{%p for block in blocks %}")
    document.add_paragraph("{{ block }}")
    document.add_paragraph("{%p endfor %}")
    path = folder / "template.docx"
    document.save(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=Path, default=ROOT / "reports")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pages = sorted(p for p in args.reports.glob("*/*/report.html") if p.parent.parent.name != "portfolio")
    if not pages:
        sys.exit(f"No report in {args.reports}: run `make reports` or `impact-kit batch --out {args.reports}` first.")
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    seed = next((p for p in pages if p.parts[-3:-1] == ("the-good-start", "2021")), pages[0])
    print(f"{len(pages)} report pages from {args.reports}; fidelity on {seed.parent.parent.name} {seed.parent.name}\n")

    candidates = {"python-docx": run_python_docx}
    if importlib.util.find_spec("pypandoc"):
        candidates["pandoc"] = lambda page: run_pandoc(svg_to_img(page))
    folder = tempfile.TemporaryDirectory(prefix="impact-kit-bench-word-")  # removed at the end, or at exit
    work = Path(folder.name)
    if importlib.util.find_spec("docxtpl"):
        template = docxtpl_template(work)
        candidates["docxtpl"] = lambda page: run_docxtpl(page, template)
    sizes = {
        "python-docx": installed_mb("python-docx", "lxml", "resvg-py"),
        "pandoc": installed_mb("pypandoc-binary", "resvg-py"),
        "docxtpl": installed_mb("docxtpl", "python-docx", "lxml", "docxcompose", "resvg-py"),
    }
    print(f"{'candidate':<12}{'s/report':>9}{'install MB':>11}  fidelity on the seed report")
    for name, convert in candidates.items():
        per_page = []
        for page in pages:
            seconds, data = timed(lambda page=page, convert=convert: convert(texts[page]), args.repeat)
            per_page.append(seconds)
            if page == seed:
                fidelity = score(data, texts[page])
        print(f"{name:<12}{statistics.median(per_page):9.3f}{sizes[name]:11.1f}  {fidelity}")

    from impact_kit.render.docx_parts import chart_png

    charts = re.findall(r"<svg\b.*?</svg>", texts[seed], flags=re.S)[::2]  # the wide drawings
    seconds, _ = timed(lambda: [chart_png(c) for c in charts], args.repeat)
    print(f"\nresvg: {seconds / len(charts):.3f} s a chart ({len(charts)} charts)")
    if importlib.util.find_spec("cairosvg"):
        import cairosvg

        from impact_kit.render.docx_parts import _svg_document

        seconds, _ = timed(
            lambda: [cairosvg.svg2png(bytestring=_svg_document(c).encode(), scale=2) for c in charts], args.repeat
        )
        print(f"cairosvg: {seconds / len(charts):.3f} s a chart (needs the system's libcairo)")
    folder.cleanup()


if __name__ == "__main__":
    main()

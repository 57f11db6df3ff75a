"""Word output (issue 19): report.docx read back with python-docx, a funder's template, hostile text, LibreOffice.

The "Why": funders and site managers rework reports in Word (cut a section, paste a chart);
the kit gave them HTML and a PDF, neither editable.
"""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import ROOT, SAMPLE
from docx.shared import Cm
from page_reading import libreoffice_pdfs, pdf_pages, split_words
from test_export import SEED_STATEMENTS

from impact_kit.batch.run import run_batch
from impact_kit.cli import main
from impact_kit.data.observations import load_observations
from impact_kit.render.docx import DEFAULT_TEMPLATE, docx_bytes
from impact_kit.render.typography import typeset

pytestmark = pytest.mark.slow

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HOSTILE = 'Voir { HYPERLINK "http://evil.example/x" } et <w:fldSimple w:instr="PAGE"/> puis http://evil.example/a.png'


def paragraphs(document, style_prefix: str = "") -> list[docx.text.paragraph.Paragraph]:
    return [p for p in document.paragraphs if p.style.name.startswith(style_prefix)]


def whole_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {
            n: archive.read(n).decode("utf-8", "replace")
            for n in archive.namelist()
            if n.endswith(".rels") or n.endswith(".xml")
        }


@pytest.fixture(scope="module")
def word(good_start):
    """(docx path, Document, the HTML soup) of The Good Start 2021, written by `impact-kit report --docx`."""
    target, _, soup = good_start
    path = target / "report.docx"
    return path, docx.Document(str(path)), soup


def test_report_docx_headings_in_the_html_order(word):
    _, document, soup = word
    main = soup.find("main")
    expected = [
        (h.name, " ".join(h.get_text().split())) for h in main.find_all(["h2", "h3"]) if not h.find_parent("nav")
    ]
    got = [(p.style.name, p.text) for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    appendix = [("Heading 1", "Données des figures")]  # the charts' figures, after the report (issue 28)
    assert got == [({"h2": "Heading 1", "h3": "Heading 2"}[tag], text) for tag, text in expected] + appendix
    assert [p.text for p in paragraphs(document, "Title")] == ["Effets sociaux et urbains de The Good Start"]


def test_table_of_contents_field_lists_the_headings(word):
    path, document, _ = word
    xml = parts(path)["word/document.xml"]
    assert xml.count("<w:instrText") == 1 and ' TOC \\o "1-2" \\h \\z \\u ' in xml
    toc = [p.text for p in document.paragraphs if p.style.name in ("TOC 1", "TOC 2")]
    headings = [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    assert toc == headings and "Lien social" in toc
    assert '<w:updateFields w:val="true"/>' in parts(path)["word/settings.xml"]


def test_every_seed_statement_and_list_style(word):
    _, document, _ = word
    text = whole_text(document)
    for statement in SEED_STATEMENTS:  # set as a French page sets the kit's words (’, no-break spaces)
        assert typeset(statement, "fr") in text, statement
    bullets = [p.text for p in paragraphs(document, "List Bullet")]
    assert bullets.count("visiteur·se·s grand public") == 1


def test_every_testimony_complete_in_the_quote_style_with_its_caption(word):
    _, document, _ = word
    obs = load_observations(ROOT / "data")
    expected = obs.loc[(obs["site"] == "the-good-start") & (obs["question"] == "testimony"), "value"].tolist()
    quotes = [p.text for p in paragraphs(document, "Quote")]
    assert sorted(quotes) == sorted(expected)
    captions = [p.text for p in paragraphs(document, "Caption")]
    assert sum(c.startswith("Texte de l’équipe du site · ") for c in captions) == len(expected)  # the grid's words
    assert "Lire la suite" not in whole_text(document)


def test_charts_are_pictures_with_alt_text_caption_and_table(word):
    path, document, soup = word
    pictures = document.inline_shapes
    assert len(pictures) >= 3
    alts = [shape._inline.docPr.get("descr") for shape in pictures]
    html_alts = [svg["aria-label"] for svg in soup.select("figure.ik-chart .ik-chart-wide svg")]
    assert alts == html_alts and all(len(a) > 60 for a in alts)
    captions = [p.text for p in paragraphs(document, "Caption")]
    for number in range(1, len(pictures) + 1):
        assert any(c.startswith(typeset(f"Figure {number} : ", "fr")) for c in captions)
    media = [n for n in zipfile.ZipFile(path).namelist() if n.startswith("word/media/")]
    assert len(media) == len(pictures) and all(n.endswith(".png") for n in media)


def test_data_tables_are_word_tables_with_their_figures(word):
    path, document, soup = word
    html_tables = soup.find("main").find_all("table")
    assert len(document.tables) == len(html_tables) >= 3
    for table, source in zip(document.tables, html_tables, strict=True):
        rows = [[" ".join(c.get_text().split()) for c in tr.find_all(["th", "td"])] for tr in source.find_all("tr")]
        assert [[cell.text for cell in row.cells] for row in table.rows] == rows
    assert parts(path)["word/document.xml"].count("<w:tblHeader") == len(html_tables)


def test_footer_page_number_a4_and_language(word):
    path, document, _ = word
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    footer = section.footer.paragraphs[-1]
    assert footer.text.startswith("Effets sociaux et urbains de The Good Start · 2021")
    xml = parts(path)
    footers = [v for k, v in xml.items() if k.startswith("word/footer")]
    assert any(" PAGE " in f for f in footers)
    assert 'w:lang w:val="fr-FR"' in xml["word/styles.xml"]
    assert document.core_properties.language == "fr-FR"


def test_english_report_language(good_start):
    page = (good_start[0] / "report.html").read_text(encoding="utf-8")
    data = docx_bytes(page, lang="en", title="T", footer="T · 2021")
    document = docx.Document(__import__("io").BytesIO(data))
    assert document.core_properties.language == "en-GB"
    assert paragraphs(document, "TOC Heading")[0].text == "Contents"


def hostile_page() -> str:
    quoted = html.escape(HOSTILE, quote=False)
    return f"""<!DOCTYPE html><html lang="fr"><body><main>
<header class="ik-header"><h1>{quoted}</h1></header>
<nav class="ik-toc"><h2>Sommaire</h2></nav>
<h2 id="x">{quoted}</h2>
<p>Lien : <a href="http://evil.example/y">{quoted}</a></p>
<p><img src="http://evil.example/a.png" alt="Une image ailleurs"></p>
<figure class="ik-testimony"><blockquote><span class="ik-verbatim">{quoted}\nligne 2\x0c</span></blockquote>
<figcaption>Témoignage</figcaption></figure>
</main></body></html>"""


def test_hostile_text_stays_text():
    data = docx_bytes(hostile_page(), lang="fr", title=HOSTILE, footer=HOSTILE)
    import io

    document = docx.Document(io.BytesIO(data))
    assert paragraphs(document, "Title")[0].text == HOSTILE
    assert paragraphs(document, "Heading 1")[0].text == HOSTILE
    assert paragraphs(document, "Quote")[0].text == HOSTILE + "\nligne 2\ufffd"  # a form feed XML cannot hold
    assert "Une image ailleurs" in whole_text(document) and not document.inline_shapes
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith((".xml", ".rels"))}
    everything = "".join(xml.values())
    # Our two fields only (the table of contents, the page number): none made from the text.
    assert everything.count("<w:instrText") == 2 and "<w:fldSimple" not in everything
    assert "<w:hyperlink" not in everything and 'TargetMode="External"' not in everything
    assert "evil.example" not in "".join(v for k, v in xml.items() if k.endswith(".rels"))


def funder_template(path: Path) -> Path:
    """A funder's template: serif headings, wide margins, a header, and no Quote style of its own."""
    document = docx.Document()
    document.styles["Heading 1"].font.name = "Liberation Serif"
    quote = document.styles["Quote"].element
    quote.getparent().remove(quote)
    section = document.sections[0]
    section.left_margin, section.right_margin, section.top_margin = Cm(3.5), Cm(3), Cm(4)
    section.header.paragraphs[0].text = "Fondation Exemple"
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    """The 2022 portfolio written by `impact-kit portfolio --docx-template` (a funder's template)."""
    root = tmp_path_factory.mktemp("portfolio")
    template = funder_template(root / "funder.docx")
    out = root / "reports"
    assert main(["portfolio", "2022", "--data", str(SAMPLE), "--out", str(out), "--docx-template", str(template)]) == 0
    return out / "portfolio" / "2022", template


def test_the_template_gives_its_heading_font_margins_and_header(portfolio):
    folder, _ = portfolio
    document = docx.Document(str(folder / "report.docx"))
    assert document.styles["Heading 1"].font.name == "Liberation Serif"
    section = document.sections[0]
    assert (round(section.left_margin.cm, 2), round(section.right_margin.cm, 2), round(section.top_margin.cm, 2)) == (
        3.5,
        3.0,
        4.0,
    )
    assert section.header.paragraphs[0].text == "Fondation Exemple"
    assert paragraphs(document, "Quote")  # copied from the kit's template, which has it
    kit = docx.Document(str(DEFAULT_TEMPLATE))
    assert kit.styles["Heading 1"].font.name != "Liberation Serif" and round(kit.sections[0].left_margin.cm, 2) == 2.0


def test_portfolio_docx_keeps_its_sections_tables_and_charts(portfolio):
    folder, _ = portfolio
    document = docx.Document(str(folder / "report.docx"))
    soup_text = (folder / "report.html").read_text(encoding="utf-8")
    assert len(document.inline_shapes) == soup_text.count('<figure class="ik-chart"')
    assert all(len(s._inline.docPr.get("descr")) > 40 for s in document.inline_shapes)
    assert len(document.tables) == soup_text.count("<table")
    assert [p.text for p in paragraphs(document, "Title")] == ["Effets sociaux et urbains des sites en 2022"]


def test_a_template_that_is_not_a_docx_is_refused(tmp_path, capsys):
    bad = tmp_path / "funder.docx"
    bad.write_text("not a zip", encoding="utf-8")
    out = tmp_path / "reports"
    code = main(
        ["report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out), "--docx-template", str(bad)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "funder.docx" in err and "not a Word document" in err and "Traceback" not in err
    assert not out.exists()


@pytest.fixture(scope="module")
def word_batch(sample_batch, tmp_path_factory):
    """The sample batch asked again with --docx for two sites (4 reports): (reports folder, that run's result)."""
    out, _ = sample_batch
    copy = tmp_path_factory.mktemp("word-batch") / "reports"
    shutil.copytree(out, copy)
    result = run_batch(
        data=SAMPLE, out=copy, parameters=ROOT / "parameters", sites=TWO_SITES, docx=True, progress=False
    )
    return copy, result


TWO_SITES = ["the-good-start", "tiers-lieu-des-trois-rivieres-exemple"]


def test_batch_docx_writes_one_per_report_and_a_rerun_redoes_nothing(word_batch):
    out, result = word_batch
    # Asked for later: only the reports without a DOCX are redone, each once.
    assert result.exit_code == 0 and len(result.done) == 3 and not result.skipped
    assert sorted(p.relative_to(out).parts[0] for p in out.rglob("report.docx")) == sorted(
        [TWO_SITES[0], *[TWO_SITES[1]] * 2]
    )
    args = {"data": SAMPLE, "out": out, "parameters": ROOT / "parameters", "progress": False}
    again = run_batch(**args, sites=TWO_SITES, docx=True)
    assert len(again.skipped) == 3 and not again.done
    (out / "the-good-start" / "2021" / "report.docx").unlink()
    once = run_batch(**args, docx=True, sites=TWO_SITES)
    assert [(j.site, j.year) for j in once.done] == [("the-good-start", 2021)]
    plain = run_batch(**args)
    assert len(plain.skipped) == 15  # without --docx, the Word files are no reason to redo anything


def test_batch_docx_of_hostile_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    with (data / "observations.csv").open("a", encoding="utf-8") as handle:
        handle.write(f'the-good-start,2021,sante,testimony,"{HOSTILE.replace(chr(34), chr(34) * 2)}"\n')
    out = tmp_path / "reports"
    result = run_batch(data=data, out=out, sites=["the-good-start"], years=[2021], docx=True, progress=False)
    assert result.exit_code == 0
    path = out / "the-good-start" / "2021" / "report.docx"
    assert HOSTILE in [p.text for p in paragraphs(docx.Document(str(path)), "Quote")]
    xml = "".join(parts(path).values())
    fields = re.findall(r"<w:instrText[^>]*>([^<]*)", xml)
    assert len(fields) == 2 and 'TargetMode="External"' not in xml, fields  # the contents and the page number
    links = re.findall(r"<w:hyperlink\b[^>]*>", xml)  # only the kit's, from a chart to its figures in the appendix
    assert links and all(re.fullmatch(r'<w:hyperlink w:anchor="ik_data_\d+">', link) for link in links)


def test_libreoffice_converts_every_sample_docx_to_pdf(sample_batch, portfolio, tmp_path):
    out, _ = sample_batch
    pages = sorted(out.glob("*/*/report.html"))
    assert len(pages) == 15
    named = []
    for page in pages:  # the DOCX each sample's page gives (what --docx writes), one file name each
        named.append(tmp_path / f"{page.parent.parent.name}-{page.parent.name}.docx")
        named[-1].write_bytes(docx_bytes(page.read_text(encoding="utf-8"), lang="fr", title="t", footer="t · 2021"))
    named.append(tmp_path / "portfolio-2022.docx")
    shutil.copyfile(portfolio[0] / "report.docx", named[-1])
    for document, pdf in libreoffice_pdfs(named, tmp_path).items():
        assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 10_000
        # Issue 28: no word of a table cell set across two lines (each is one of the PDF's word boxes).
        printed = {w.text for page in pdf_pages(pdf) for w in page.words}
        tables = docx.Document(str(document)).tables
        cells = {word for table in tables for row in table.rows for cell in row.cells for word in cell.text.split()}
        assert tables and not split_words(cells, printed), (document.name, split_words(cells, printed))


def test_the_lab_export_writes_the_docx_too(tmp_path):
    """report.export(docx=True) in JupyterLab: the same command line, --docx added."""
    from impact_kit.reports.lab import export_report
    from impact_kit.reports.parameters import SITE_NOTEBOOK

    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    done = export_report("the-good-start", 2021, data=data, notebook=SITE_NOTEBOOK, out=tmp_path / "reports", docx=True)
    assert done is not None and done.docx == tmp_path / "reports" / "the-good-start" / "2021" / "report.docx"
    assert "report.docx" in done._repr_html_()
    assert paragraphs(docx.Document(str(done.docx)), "Quote")


def test_portfolio_docx_sets_figures_on_the_right_as_the_html_does(portfolio):
    """Word had every cell on the left: a town and a count of sites alike."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    folder, _ = portfolio
    document = docx.Document(str(folder / "report.docx"))
    sites = next(t for t in document.tables if t.rows[0].cells[0].text == "Site")
    right = WD_ALIGN_PARAGRAPH.RIGHT
    head = {c.text: c.paragraphs[0].alignment for c in sites.rows[0].cells}
    assert head["Site"] != right and head["Commune"] != right and head["Publics"] == right
    body = sites.rows[-1].cells
    towns = [c.paragraphs[0].alignment for c in body if c.text == "Eymoutiers" or c.text == "Nantes"]
    assert towns and right not in towns
    assert body[0].paragraphs[0].alignment != right and body[-1].paragraphs[0].alignment == right

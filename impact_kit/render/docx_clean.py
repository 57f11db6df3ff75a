"""A funder's Word template, cleaned: its looks come through, nothing that fetches, runs or links does.

What a report takes from a template is its styles, numbering, theme, fonts, page settings,
and its header and footer's text and inline images (see :mod:`impact_kit.render.docx`).
:func:`clean_template` drops the rest from the opened document before the report is
written into it: every external relationship (a linked image, a hyperlink, a remote
attached template), the attached template and mail merge settings, every field but the
kit's own (``TOC``, ``PAGE``: an ``INCLUDEPICTURE`` fetches, a ``DDEAUTO`` runs a
program), and every part that is not one of those (macros ``vbaProject.bin``, ActiveX
controls, embedded objects). What referred to a dropped relationship goes with it; a
hyperlink keeps its text, a field its shown result.
"""

from __future__ import annotations

import posixpath
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.package import OpcPackage
from docx.opc.part import Part, XmlPart
from docx.oxml.ns import qn

from impact_kit.exceptions import InvalidArgument

__all__ = ["KIT_FIELDS", "TemplateContentWarning", "check_template", "clean_template"]

#: The fields a report's Word file may hold: the kit's table of contents and page number.
KIT_FIELDS = frozenset({"TOC", "PAGE"})
#: The kinds of internal relationship a template keeps (the last part of their type), by what they carry.
_KEPT = frozenset(
    {
        "officeDocument", "core-properties", "extended-properties", "custom-properties", "thumbnail",  # the package
        "styles", "stylesWithEffects", "numbering", "theme", "fontTable", "font", "settings", "webSettings",
        "header", "footer", "image", "footnotes", "endnotes",
    }
)  # fmt: skip
#: Parts dropped without a word: a template's own bookkeeping, harmless and useless to a report.
_QUIET = frozenset({"customXml", "customXmlProps", "comments", "commentsExtended", "commentsIds", "people"})
#: An lxml element (python-docx's own classes, or plain ones for the tags it does not know).
Element = Any
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
#: Settings that make Word reach outside the file: refresh styles from the attached template, a mail merge source.
_SETTINGS = ("w:attachedTemplate", "w:linkStyles", "w:mailMerge")
#: The elements that hold a picture or an object: dropped whole when what they show is gone.
_HOLDERS = frozenset(qn(tag) for tag in ("w:drawing", "w:pict", "w:object"))


#: What python-docx raises for a file that is not a .docx, or a damaged one: a truncated XML part (lxml's
#: XMLSyntaxError is a SyntaxError), bad compression.
_DAMAGED = (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, SyntaxError, zlib.error, EOFError)


class TemplateContentWarning(UserWarning):
    """Warned once per command when a ``--docx-template`` carries content its reports will not (see the module)."""


def clean_template(document: Document) -> list[str]:
    """Drop from an opened template what a report must not carry; return what was dropped, for the user.

    Returns
    -------
    list of str
        One phrase per kind of content dropped ("the attached template
        http://...", "an external hyperlink http://...", "the field DDEAUTO",
        "vbaProject.bin"), sorted, without duplicates; empty for a clean template.
    """
    said: set[str] = set()
    parts = [document.part.package, *document.part.package.iter_parts()]  # walked before any relationship goes
    for part in parts:
        gone = _drop_relationships(part, said)
        if isinstance(part, XmlPart):
            _drop_references(part.element, gone)
            _drop_fields(part.element, said)
    for name in _SETTINGS:
        for element in document.settings.element.findall(qn(name)):
            document.settings.element.remove(element)
            said.add("the attached template" if name == "w:attachedTemplate" else f"the setting {name[2:]}")
    return sorted(said)


def check_template(path: str | Path) -> Path:
    """Return a Word template's path once python-docx can open it.

    Warns once (:class:`TemplateContentWarning`) naming what its reports will not carry: what
    :func:`impact_kit.render.docx_clean.clean_template` drops (fields, macros, outside links).

    Raises
    ------
    InvalidArgument
        If it is missing, not a ``.docx`` or damaged (nothing is written).
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidArgument(
            f"--docx-template {path}: there is no such file. Give a .docx made with Word or LibreOffice."
        )
    try:
        document = docx.Document(str(path))
    except _DAMAGED as exc:
        raise InvalidArgument(
            f"--docx-template {path}: this is not a Word document (.docx) python-docx can open "
            f"({type(exc).__name__}: {exc}). Save the template from Word or LibreOffice as .docx (not .doc or .dotx) "
            "and try again."
        ) from None
    dropped = clean_template(document)
    if dropped:  # said once per command; each report's document is cleaned again, in silence
        warnings.warn(
            f"--docx-template {path}: left out of every report.docx: {'; '.join(dropped)}. A report takes only a "
            "template's styles, numbering, theme, fonts, page settings, header and footer text and inline images.",
            TemplateContentWarning,
            stacklevel=2,
        )
    return path


def _drop_relationships(part: Part | OpcPackage, said: set[str]) -> set[str]:
    """Remove the relationships of ``part`` a report does not keep; return their ids."""
    gone = set()
    for rid, rel in list(part.rels.items()):
        kind = rel.reltype.rsplit("/", 1)[-1]
        if rel.is_external:
            said.add(f"the attached template {rel.target_ref}" if kind == "attachedTemplate" else
                     f"an external {kind} {rel.target_ref}")  # fmt: skip
        elif kind in _KEPT:
            continue
        elif kind not in _QUIET:
            said.add(posixpath.basename(str(rel.target_part.partname)))
        del part.rels[rid]
        part.rels._target_parts_by_rId.pop(rid, None)  # python-docx keeps a second map of internal targets
        gone.add(rid)
    return gone


def _drop_references(root: Element, gone: set[str]) -> None:
    """Remove what refers to a dropped relationship: a hyperlink keeps its text, a picture or object goes whole."""
    if not gone:
        return
    for element in list(root.iter()):
        if not any(key.startswith(_R) and value in gone for key, value in element.attrib.items()):
            continue
        if element.tag == qn("w:hyperlink"):
            _unwrap(element)
            continue
        holder = next((a for a in element.iterancestors() if a.tag in _HOLDERS), element)
        if holder.getparent() is not None:
            holder.getparent().remove(holder)


def _drop_fields(root: Element, said: set[str]) -> None:
    """Remove every field but the kit's own; its shown result, if any, stays as plain text."""
    for simple in list(root.iter(qn("w:fldSimple"))):
        name = _field_name(simple.get(qn("w:instr"), ""))
        if name not in KIT_FIELDS:
            said.add(f"the field {name}")
            _unwrap(simple)
    open_fields: list[list[Element]] = []  # per field being read: its markers and instruction texts
    for element in list(root.iter(qn("w:fldChar"), qn("w:instrText"))):
        kind = element.get(qn("w:fldCharType"))
        if kind == "begin":
            open_fields.append([element])
        elif open_fields and (element.tag == qn("w:instrText") or kind == "separate"):
            open_fields[-1].append(element)
        elif open_fields and kind == "end":
            field = [*open_fields.pop(), element]
            name = _field_name("".join(e.text or "" for e in field if e.tag == qn("w:instrText")))
            if name not in KIT_FIELDS:
                said.add(f"the field {name}")
                for marker in field:  # the runs between "separate" and "end", its result, stay
                    marker.getparent().remove(marker)


def _field_name(instruction: str) -> str:
    words = instruction.split()
    return words[0].upper() if words else "(empty)"


def _unwrap(element: Element) -> None:
    """Put an element's children in its place."""
    parent = element.getparent()
    if parent is None:
        return
    at = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(at + offset, child)
    parent.remove(element)

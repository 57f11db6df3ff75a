"""Import what a questionnaire brought back (Kobo or ODK exports, the kit's workbooks) into the data folder.

Each source owns one file, ``observations-<source>.csv``: the import never rewrites a
file a person made. Its rows are the tidy observations, plus a ``submission`` column
that says which submission each row came from (Kobo's ``rootUuid``, ODK Central's
``KEY``, a workbook's file name). Nothing is written unless every file imports cleanly.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from openpyxl import load_workbook

from impact_kit.data.bounds import check_archive, copy_member, first_line
from impact_kit.data.observations import (
    OBSERVATION_COLUMNS,
    YEAR_RANGE,
    as_number,
    is_slug,
    site_identity,
    slugify,
)
from impact_kit.data.read import read_table
from impact_kit.exceptions import ImportFailed, InputProblem, InvalidData
from impact_kit.files import folder_lock
from impact_kit.grid.file import default_grid
from impact_kit.grid.model import Grid
from impact_kit.importers.commune_mesure import _check_existing, _sites_with, write_import
from impact_kit.importers.place import Place
from impact_kit.importers.site_ids import SiteRow, read_site_rows
from impact_kit.importers.survey import Submission, SurveyTable

__all__ = [
    "PROVENANCE",
    "ImportResult",
    "cell_text",
    "check_year",
    "import_submissions",
    "observations_file",
    "read_export",
]

#: The extra column that names each row's submission.
PROVENANCE = "submission"


@dataclass(frozen=True)
class ImportResult:
    """What an import read and wrote."""

    submissions: list[Submission]
    path: Path
    new_sites: list[str]
    unknown_columns: dict[str, list[str]]


def observations_file(source: str) -> str:
    """Return the name of the observations file a source owns: ``observations-kobo.csv``."""
    return f"observations-{source}.csv"


def cell_text(value: object) -> str:
    """Return a workbook cell as text: whole numbers without ``.0``, dates in ISO form, None as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def read_export(path: Path, *, root: str = "") -> SurveyTable:
    """Read an export's main table: a CSV (``,`` or ``;``), the first sheet of an XLSX, or the root CSV of a zip.

    ``root`` names the zip's main CSV (ODK Central calls it ``<form id>.csv``); otherwise the
    CSV without a ``PARENT_KEY`` column (the repeats' tables have one) is read.

    Raises
    ------
    InvalidData
        If the file is missing, not of those formats, or cannot be parsed.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InvalidData.single(path, "the file does not exist. Check its path.")
    if suffix == ".zip":
        return _read_zip(path, root)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix != ".csv":
        raise InvalidData.single(path, f"unsupported file type {suffix!r}; export the answers as CSV, XLSX or zip.")
    table = read_table(path)
    if table.ragged:
        raise InvalidData(table.ragged_problems())
    cells = table.frame.to_numpy().tolist()
    return SurveyTable(str(path), list(table.frame.columns), list(zip(table.rows, cells, strict=True)))


def _read_xlsx(path: Path) -> SurveyTable:
    """Return the first sheet of an export, read row by row: its empty rows are skipped as they stream by."""
    check_archive(path)
    with path.open("rb") as handle:  # closed on every path: openpyxl leaves its file open when it fails on it
        return _read_xlsx_from(path, handle)


def _read_xlsx_from(path: Path, handle: IO[bytes]) -> SurveyTable:
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors alike for a file that is not a workbook
        raise InvalidData.single(path, f"this is not an Excel workbook ({exc}). Export it again.") from None
    try:
        lines = enumerate(book.worksheets[0].iter_rows(values_only=True), 1)
        header = [cell_text(v).strip() for v in next(lines, (0, ()))[1]]
        width = len(header)
        rows = [
            (n, [cell_text(v) for v in (*line[:width], *[None] * (width - len(line)))])
            for n, line in lines
            if any(v not in (None, "") for v in line)
        ]
    except Exception as exc:  # a damaged sheet: openpyxl raises XML, zip and key errors as it reads
        raise InvalidData.single(path, f"the first sheet is damaged ({exc}). Export it again.") from None
    finally:
        book.close()
    if not header:
        raise InvalidData.single(path, "the first sheet is empty; it should hold the export's header and rows.")
    return SurveyTable(str(path), header, rows)


def _read_zip(path: Path, root: str) -> SurveyTable:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InvalidData.single(path, "this is not a zip file. Download the export again.") from None
    with archive, tempfile.TemporaryDirectory(prefix="impact-kit-") as folder:
        members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
        chosen = [m for m in members if Path(m).name == root] or [
            m for m in members if b"parent_key" not in _first_line(path, archive, m).lower()
        ]
        if not chosen:
            raise InvalidData.single(path, "the zip holds no CSV table of submissions. Download the export again.")
        target = Path(folder) / Path(chosen[0]).name
        name = f"{path}, {chosen[0]}"
        with target.open("wb") as copy:  # as a stream: a member is never held whole, and is refused beyond a limit
            copy_member(archive, chosen[0], copy, name=name)
        try:
            table = read_export(target)
        except InvalidData as exc:
            raise InvalidData([_renamed(p, str(target), name) for p in exc.problems]) from None
    return SurveyTable(name, table.header, table.rows)


def _first_line(path: Path, archive: zipfile.ZipFile, member: str) -> bytes:
    try:
        return first_line(archive, member)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise InvalidData.single(
            f"{path}, {member}", f"this member of the zip is damaged ({exc}). Download the export again."
        ) from None


def _renamed(problem: InputProblem, old: str, new: str) -> InputProblem:
    return InputProblem(problem.file.replace(old, new), problem.message, problem.row, problem.column, problem.value)


Reader = Callable[[Path], tuple[list[Submission], list[InputProblem], list[str]]]


_NO_SUBMISSION = (
    "it holds no submission (a header with nothing under it, or a file cut short). Export it again; "
    "nothing was imported."
)


def import_submissions(
    files: Iterable[str | Path],
    reader: Reader,
    *,
    source: str,
    data: str | Path = "data",
    grid: Grid | None = None,
    new_sites: bool = False,
    replace: bool = False,
) -> ImportResult:
    """Read every file with ``reader`` and write their observations to ``observations-<source>.csv``.

    Parameters
    ----------
    files : iterable of str or Path
        The exports or workbooks.
    reader : callable
        Reads one file: returns its submissions, its problems and the columns it did not know.
    source : str
        ``kobo``, ``odk`` or ``workbook``: names the file written.
    data : str or Path
        The data folder.
    grid : Grid, optional
        The grid the form was written from; Commune Mesure's by default.
    new_sites : bool
        Add a site that ``sites.csv`` does not know (its id is the slug of its name), instead of refusing.
    replace : bool
        Replace a (site, year) this source imported before, instead of refusing.

    Returns
    -------
    ImportResult

    Raises
    ------
    InvalidData
        Naming the file, row and column of every answer that cannot be read, every unknown
        site, every (site, year) answered twice.
    ImportFailed
        If the data folder does not exist, or a (site, year) is already in another file.
    """
    grid = grid or default_grid()
    data = Path(data)
    if not data.is_dir():
        raise ImportFailed(f"the data folder {data} does not exist. Check `--data`. Nothing was written.")
    submissions: list[Submission] = []
    problems: list[InputProblem] = []
    unknown: dict[str, list[str]] = {}
    for path in map(Path, files):
        try:
            found, trouble, columns = reader(path)
        except InvalidData as exc:
            problems += exc.problems
            continue
        if not found and not trouble:  # a header and nothing under it: most often a download cut short
            problems.append(InputProblem(str(path), _NO_SUBMISSION))
        submissions += found
        problems += trouble
        if columns:
            unknown[str(path)] = columns
    if problems:
        raise InvalidData(problems)
    with folder_lock(data):  # another import into this folder waits: what it reads, this one has written
        added = _assign_sites(submissions, read_site_rows(data), new_sites, problems)
        problems += _twice(submissions)
        if problems:
            raise InvalidData(problems)
        own = data / observations_file(source)
        wanted = {(s.site_id, int(s.year or 0)) for s in submissions}
        _check_existing(data, own, wanted, replace=replace)
        records = [[*OBSERVATION_COLUMNS, PROVENANCE], *_kept_rows(own, wanted)]
        records += [
            [sub.site_id, str(sub.year), criterion, question, value, sub.id]
            for sub in submissions
            for criterion, question, value in sub.rows
        ]
        write_import(own, records, _sites_with(data, added))
    return ImportResult(submissions, own, [p.site for p in added], unknown)


def _kept_rows(own: Path, wanted: set[tuple[str, int]]) -> list[list[str]]:
    """Return the rows of the source's own file that this run does not replace (with their provenance)."""
    if not own.exists():
        return []
    frame = read_table(own).frame
    columns = [*OBSERVATION_COLUMNS, PROVENANCE]
    frame = frame.reindex(columns=columns, fill_value="")
    return [
        list(map(str, r))
        for r in frame[columns].itertuples(index=False)
        if (str(r[0]).strip(), _year(str(r[1]))) not in wanted
    ]


def _year(cell: str) -> int | None:
    """Read a year cell as validate does (`2021.0`, ` 2021`, `٢٠٢١`): int() refused them with a traceback."""
    number = as_number(cell)
    return int(number) if number is not None else None


def _assign_sites(
    submissions: Sequence[Submission], existing: Sequence[SiteRow], new_sites: bool, problems: list[InputProblem]
) -> list[Place]:
    """Set each submission's site id from sites.csv (its id, or its name and city); return the sites to add."""
    by_id = {row.site: row for row in existing}
    by_identity: dict[tuple[str, str], SiteRow] = {}
    by_name: dict[str, list[SiteRow]] = {}
    for row in existing:
        by_identity.setdefault(site_identity(row.name, row.city), row)
        by_name.setdefault(site_identity(row.name, "")[0], []).append(row)
    added: dict[str, Place] = {}
    for sub in submissions:
        identity = site_identity(sub.site, sub.city)
        names = by_name.get(identity[0], [])
        if sub.site in by_id:
            sub.site_id = sub.site
        elif identity in by_identity:
            sub.site_id = by_identity[identity].site
        elif not sub.city and len(names) == 1:
            sub.site_id = names[0].site
        elif not new_sites:
            problems.append(_site_problem(sub, "is not in sites.csv", "add it to sites.csv (or pass --new-sites)"))
        else:
            try:
                slug = sub.site if is_slug(sub.site) else slugify(sub.site)
            except ValueError:
                problems.append(_site_problem(sub, "has no letter or digit to make an id from", "fix the answer"))
                continue
            other = by_id.get(slug)
            if other is not None:
                problems.append(
                    _site_problem(
                        sub,
                        f"would be site {slug!r}, which sites.csv (row {other.row}) gives to {other.describe()}",
                        "write this site's row in sites.csv yourself with its own id, or fix the answer",
                    )
                )
                continue
            first = added.setdefault(slug, Place(Path(sub.file), sub.site, sub.city, "", site_id=slug))
            if site_identity(first.name, first.city) != identity:
                problems.append(
                    _site_problem(
                        sub,
                        f"would be site {slug!r}, like the different place {first.name!r} ({first.city or 'no city'}) "
                        "of this import; different places are never merged",
                        "add this one to sites.csv yourself with its own id, then import again",
                    )
                )
                continue
            sub.site_id = slug
    return list(added.values())


def _site_problem(sub: Submission, what: str, todo: str) -> InputProblem:
    place = f"{sub.site!r} ({sub.city or 'no city'})"
    return InputProblem(sub.file, f"the site {place} {what}; {todo}. Nothing was written.", sub.row, "site", sub.site)


def _twice(submissions: Sequence[Submission]) -> list[InputProblem]:
    first: dict[tuple[str, int | None], Submission] = {}
    problems = []
    for sub in submissions:
        other = first.setdefault((sub.site_id, sub.year), sub)
        if other is not sub:
            problems.append(
                InputProblem(
                    sub.file,
                    f"a second submission for {sub.site_id} {sub.year} (the first: {other.file}, row {other.row}). "
                    "Keep one submission per site and year: delete or correct the other one.",
                    sub.row,
                    "site",
                    sub.site,
                )
            )
    return problems


def check_year(year: int | None) -> int | None:
    """Return ``year`` if it is one the data takes (or None).

    Raises
    ------
    ImportFailed
        If it is out of range.
    """
    if year is not None and not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise ImportFailed(f"--year {year} is not a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}.")
    return year

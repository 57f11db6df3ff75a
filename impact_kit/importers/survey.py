"""Read a survey export (KoboToolbox, ODK Central) of the kit's questionnaire back into the grid's answers.

Headers are matched against the form the grid gives (:mod:`impact_kit.forms.layout`),
in every dialect the tools write: XML names or labels in any language of the form,
with or without the group path (joined by ``/``, ``-`` or any other separator the
export used), select-multiple answers as the space-separated summary, as one 1/0
column per option, or both. A header that appears several times (a label shared by
several questions) is matched in form order, as the tools write the columns. System
columns (``_id``, ``_uuid``, ``KEY``, ``SubmissionDate``...) are recognised; any other
column the form does not have is named, never dropped in silence.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from impact_kit.data.observations import YEAR_RANGE, as_number, check_value, number_text
from impact_kit.exceptions import InputProblem
from impact_kit.forms.layout import Choice, Field, form_fields, grid_version
from impact_kit.grid.model import Grid

__all__ = [
    "ID_COLUMNS",
    "SYSTEM_COLUMNS",
    "Column",
    "RowReader",
    "Submission",
    "SurveyTable",
    "match_header",
    "read_submissions",
]

#: Columns the tools add to every export, compared case-insensitively (and any column starting with ``_``).
SYSTEM_COLUMNS = frozenset(
    {
        "submissiondate", "key", "submitterid", "submittername", "attachmentspresent", "attachmentsexpected",
        "status", "reviewstate", "deviceid", "edits", "formversion", "start", "end", "today", "username",
        "instanceid", "rootuuid", "instancename", "parent_key",
    }
)  # fmt: skip
_SYSTEM_PREFIXES = ("_", "meta/", "meta-", "meta:", "formhub/", "formhub-")
#: Where a submission's id is, best first: Kobo's rootUuid (kept across edits), ODK Central's KEY, then the rest.
ID_COLUMNS = ("meta/rootuuid", "rootuuid", "_uuid", "key", "meta/instanceid", "meta-instanceid", "instanceid", "_id")
_TRUE = frozenset({"1", "true", "yes", "oui", "vrai"})
_FALSE = frozenset({"", "0", "false", "no", "non", "faux"})


@dataclass(frozen=True)
class SurveyTable:
    """An export's table: its name for messages, header, and rows with their numbers as a spreadsheet shows them."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True)
class Column:
    """What a column of an export holds: a field's answer, or one option's 1/0 (``choice``)."""

    field: Field
    choice: Choice | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The field's name and the option's (or ""): what tells two columns apart."""
        return self.field.name, self.choice.name if self.choice is not None else ""


@dataclass
class Submission:
    """One submission read from an export: who answered, for which year, and the grid's rows."""

    file: str
    row: int
    id: str
    site: str
    city: str
    year: int | None
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # criterion, question, value
    site_id: str = ""


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def _modes(grid: Grid, item: Field) -> Iterator[tuple[str, list[str], dict[str, Choice]]]:
    """Yield ``(leaf, group texts, choice texts)`` for the XML names, then for the labels in each language."""
    yield item.name, [g.name for g in item.path], {c.name: c for c in item.choices}
    for lang in grid.languages:
        if item.labels:
            groups = [g.labels[lang] for g in item.path]
            yield item.labels[lang], groups, {c.labels[lang]: c for c in item.choices}


def _separator(grid: Grid, fields: list[Field], header: Sequence[str]) -> str | None:
    """Return the group separator the export used, read from headers that hold a group path, or None."""
    found: Counter[str] = Counter()
    heads = [_norm(h) for h in header]
    for item in fields:
        if not item.path:
            continue
        for leaf, groups, _ in _modes(grid, item):
            first, last, inner = _norm(groups[0]), _norm(leaf), [_norm(g) for g in groups[1:]]
            for head in heads:
                if len(head) <= len(first) + len(last) or not head.startswith(first) or not head.endswith(last):
                    continue
                middle = head[len(first) : len(head) - len(last)]
                if not inner:
                    found[middle] += 1
                elif len(inner) == 1 and (size := (len(middle) - len(inner[0])) // 2) > 0:
                    sep = middle[:size]
                    if middle == f"{sep}{inner[0]}{sep}":
                        found[sep] += 1
    return found.most_common(1)[0][0] if found else None


def match_header(grid: Grid, header: Sequence[str]) -> tuple[list[Column | None], list[str]]:
    """Say what each column of an export holds.

    Returns
    -------
    columns : list of Column or None
        For each column, what it holds; None for a system column or one the form does not have.
    unknown : list of str
        The columns that are neither the form's nor system columns, in order.
    """
    fields = form_fields(grid)
    sep = _separator(grid, fields, header)
    lookup: dict[str, list[Column]] = {}
    for item in fields:
        for leaf, groups, choices in _modes(grid, item):
            heads = [leaf] + ([sep.join([*groups, leaf])] if sep is not None and groups else [])
            for head in heads:
                lookup.setdefault(_norm(head), []).append(Column(item))
                for joiner in dict.fromkeys(["/", sep or "/"]):
                    for text, choice in choices.items():
                        lookup.setdefault(_norm(f"{head}{joiner}{text}"), []).append(Column(item, choice))
    used: set[tuple[str, str]] = set()
    columns: list[Column | None] = []
    unknown: list[str] = []
    for head in header:
        candidates = [c for c in lookup.get(_norm(head), []) if c.key not in used]
        if candidates:
            used.add(candidates[0].key)
            columns.append(candidates[0])
            continue
        columns.append(None)
        text = _norm(head)
        if text and text not in SYSTEM_COLUMNS and not text.startswith(_SYSTEM_PREFIXES):
            unknown.append(head)
    return columns, unknown


def read_submissions(
    table: SurveyTable, grid: Grid, *, year: int | None = None, version_column: str | None = None
) -> tuple[list[Submission], list[InputProblem], list[str]]:
    """Read every row of an export as a submission of the grid's form.

    Parameters
    ----------
    table : SurveyTable
        The export's main table.
    grid : Grid
        The grid the form was written from.
    year : int, optional
        The year of submissions that leave the year empty; a submission of another year is refused.
    version_column : str, optional
        The tool's column that holds the form's version, read when the export lacks the form's
        ``grid_version`` field (ODK Central's ``FormVersion``).

    Returns
    -------
    submissions, problems, unknown columns
    """
    columns, unknown = match_header(grid, table.header)
    problems: list[InputProblem] = []
    heads = [_norm(h) for h in table.header]
    version_at = next((i for i, c in enumerate(columns) if c is not None and c.field.kind == "version"), None)
    if version_at is None and version_column is not None and _norm(version_column) in heads:
        version_at = heads.index(_norm(version_column))
    missing = [k for k in ("site", "year") if not any(c and c.field.kind == k for c in columns)]
    if version_at is None or missing or not any(c and c.field.kind == "answer" for c in columns):
        what = "grid_version" if version_at is None else ", ".join(missing) or "any question of the grid"
        problem = (
            f"no column `{what}`, so this is not an export of the kit's form for the grid `{grid.id}`. Export "
            "every field of the form written by `impact-kit form xlsform` (XML names or labels)."
        )
        return [], [InputProblem(table.name, problem, 1)], unknown
    ids = [heads.index(c) for c in ID_COLUMNS if c in heads]
    version = grid_version(grid)
    submissions = []
    for row, cells in table.rows:
        found = RowReader(table.name, row, grid, problems)
        if (stated := cells[version_at].strip()) != version:
            found.problem(
                table.header[version_at],
                stated,
                f"the submission answered the form of version {stated!r}, but the grid `{grid.id}` gives version "
                f"{version!r}: it was filled with another grid or an older form. Import it with that grid "
                "(`--grid`), or collect the answers again with the current form.",
            )
            continue
        submissions.append(found.read(columns, table.header, cells, ids, year))
    return submissions, problems, unknown


@dataclass
class RowReader:
    """Reads the cells of one submission (or one workbook row) into the grid's rows, collecting problems."""

    file: str
    row: int
    grid: Grid
    problems: list[InputProblem]

    def problem(self, column: str, value: str, message: str) -> None:
        """Record a problem of this row."""
        self.problems.append(InputProblem(self.file, message, self.row, column, value))

    def read(
        self, columns: list[Column | None], header: list[str], cells: list[str], ids: list[int], year: int | None
    ) -> Submission:
        """Return the submission the cells hold (``columns`` say what each cell is, ``ids`` where its id is)."""
        main: dict[str, tuple[str, str]] = {}  # field name -> (header, cell)
        splits: dict[str, list[tuple[str, Choice, str]]] = {}
        fields: dict[str, Field] = {}
        for column, head, cell in zip(columns, header, cells, strict=True):
            if column is None:
                continue
            fields[column.field.name] = column.field
            if column.choice is None:
                main[column.field.name] = (head, cell)
            else:
                splits.setdefault(column.field.name, []).append((head, column.choice, cell))
        submission_id = next((cells[i].strip() for i in ids if cells[i].strip()), f"{self.file}:{self.row}")
        text = {kind: main.get(kind, ("", ""))[1].strip() for kind in ("site", "city", "year")}
        sub = Submission(self.file, self.row, submission_id, text["site"], text["city"], self._year(main, year))
        if not sub.site:
            self.problem(main["site"][0], "", "the site is empty. Fill in the name of the site, or drop the row.")
        for name, item in fields.items():
            if item.kind in ("answer", "other") and item.question is not None:
                sub.rows += [(item.owner, item.question.id, v) for v in self.values(item, main, splits.get(name))]
        sub.rows = list(dict.fromkeys(sub.rows))
        return sub

    def _year(self, main: dict[str, tuple[str, str]], given: int | None) -> int | None:
        head, cell = main["year"]
        if not cell.strip():
            if given is None:
                self.problem(head, cell, "the year is empty. Fill it in, or give it with `--year`.")
            return given
        number = as_number(cell)
        if number is None or not number.is_integer() or not YEAR_RANGE[0] <= number <= YEAR_RANGE[1]:
            self.problem(head, cell, f"{cell!r} is not a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}.")
            return None
        if given is not None and int(number) != given:
            self.problem(head, cell, f"the submission is of {int(number)}, not of --year {given}. Drop `--year`.")
        return int(number)

    def values(
        self, item: Field, main: dict[str, tuple[str, str]], splits: list[tuple[str, Choice, str]] | None
    ) -> list[str]:
        """Return the values a field's cells hold.

        ``main`` maps field names to their (header, cell); ``splits`` are the field's 1/0 cells.
        """
        question = item.question
        assert question is not None
        head, cell = main.get(item.name, ("", ""))
        if item.kind == "other" or (question.is_choice and not item.choices):
            return [line.strip() for line in cell.splitlines() if line.strip()]
        if item.choices:
            chosen = self._chosen(item, head, cell, splits)
            return [c.name for c in chosen if not c.other]
        if question.type == "testimony":
            return [cell] if cell else []  # verbatim: only an empty cell is no answer
        if not cell.strip():
            return []
        if question.type == "keywords":
            return [w.strip() for line in cell.splitlines() for w in line.split(",") if w.strip()]
        value = cell.strip()
        if question.type in ("number", "scale"):
            number = as_number(value)
            value = number_text(number) if number is not None else value
            if number is not None and question.type == "number" and not number.is_integer():
                self.problem(head, cell, f"{cell!r} is not a whole number; the form asks a count.")
                return []
        if message := check_value(question, value):
            self.problem(head, cell, message)
            return []
        return [value]

    def _chosen(self, item: Field, head: str, cell: str, splits: list[tuple[str, Choice, str]] | None) -> list[Choice]:
        question = item.question
        assert question is not None
        if splits:  # the 1/0 columns say it unambiguously
            chosen = []
            for split_head, choice, value in splits:
                if _norm(value) in _TRUE:
                    chosen.append(choice)
                elif _norm(value) not in _FALSE:
                    self.problem(split_head, value, f"{value!r} is neither 1 nor 0 (chosen or not).")
            return chosen
        if not cell.strip():
            return []
        found = _parse_choices(self.grid, item, cell)
        if isinstance(found, list):
            return found
        names = ", ".join(c.name for c in item.choices)
        self.problem(
            head,
            cell,
            f"{cell!r} {found} of question `{item.owner}.{question.id}` (options: {names}). Correct the "
            "answer where it was collected and export again.",
        )
        return []


def _parse_choices(grid: Grid, item: Field, cell: str) -> list[Choice] | str:
    """Return the choices a cell names (option names, or labels in one language), or why it cannot be read."""
    single = item.select == "select_one"
    texts = [(c.name, c) for c in item.choices]
    by_lang = [[(c.labels[lang], c) for c in item.choices] for lang in grid.languages]
    for options in (texts, *by_lang):
        index = {_norm(t): c for t, c in options}
        if single:
            if _norm(cell) in index:
                return [index[_norm(cell)]]
            continue
        parses = _split_labels(_norm(cell), index)
        if len(parses) == 1:
            return parses[0]
        if len(parses) > 1:
            return (
                "can be read as several sets of options, because their labels hold spaces; export the answers "
                "with one column per option (Kobo: 'separate columns', ODK Central: 'split select multiples')"
            )
    return "is not an option" if single else "names something that is not an option"


def _split_labels(text: str, index: dict[str, Choice]) -> list[list[Choice]]:
    """Every way ``text`` is a space-separated sequence of the index's texts (at most two are returned)."""
    ways: dict[int, list[list[Choice]]] = {len(text): [[]]}
    for start in range(len(text) - 1, -1, -1):
        if start and text[start - 1] != " ":
            continue
        found: list[list[Choice]] = []
        for label, choice in index.items():
            end = start + len(label)
            if text.startswith(label, start) and (end == len(text) or text[end] == " "):
                nxt = end + 1 if end < len(text) else end
                found += [[choice, *rest] for rest in ways.get(nxt, [])][:2]
        ways[start] = found[:2]
    return ways.get(0, [])

"""Import place files of the Commune Mesure platform into tidy observations.

Both formats of the platform are read (see GRID.md): the older one, where each
criterion holds only its testimony, and the current one, with lists of raw
labels, numbers, 1-5 intensities and keywords. Raw labels map to the grid's
option ids whatever their case, with or without "Oui, " and parenthesized parts.

The importer owns one file, ``observations-commune-mesure.csv``: it never rewrites
a file a person made, and only appends the new sites to ``sites.csv``.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from impact_kit.data.observations import (
    OBSERVATION_COLUMNS,
    SITE_COLUMNS,
    YEAR_RANGE,
    as_number,
    check_value,
    find_files,
)
from impact_kit.data.read import read_table, read_tables, require_columns
from impact_kit.exceptions import ImportFailed, InputProblem, InvalidData
from impact_kit.files import atomic_write
from impact_kit.grid.file import default_grid
from impact_kit.grid.model import NOT_ASKED, SINGLE_VALUED, Grid, Question
from impact_kit.importers.place import Place
from impact_kit.importers.site_ids import assign_site_ids, read_site_rows

__all__ = ["IMPORT_FILE", "Place", "csv_line", "import_places", "normalize_label", "read_place"]

#: The observations file this importer writes in the data folder.
IMPORT_FILE = "observations-commune-mesure.csv"
_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")


def normalize_label(label: str) -> str:
    """Return the form under which raw labels are compared.

    Case, typographic apostrophes, "œ", a leading "Oui, ", text in parentheses,
    runs of spaces and trailing punctuation do not count.
    """
    text = unicodedata.normalize("NFC", label).replace("’", "'").replace("œ", "oe").replace("Œ", "OE")
    text = re.sub(r"\([^)]*\)", " ", text).casefold()
    text = re.sub(r"^\s*oui\s*,\s*", "", text)
    return re.sub(r"\s+", " ", text).strip(" .;:")


def _label_index(question: Question) -> dict[str, str]:
    index: dict[str, str] = {}
    for option in question.options:
        for text in (option.id, *option.raw, *option.labels.values()):
            index.setdefault(normalize_label(text), option.id)
    return index


def read_place(path: str | Path, *, grid: Grid | None = None) -> list[Place]:
    """Read a platform JSON file (one place, or a list of places) and map it to the grid.

    Returns
    -------
    list of Place

    Raises
    ------
    InvalidData
        If the file is not JSON of the platform's shape, or holds answers the grid
        does not know (raw labels of closed questions are listed with their keys).
    """
    path = Path(path)
    grid = grid or default_grid()
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise InvalidData.single(path, "the file does not exist.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidData.single(path, f"this is not a JSON file of the platform ({exc}).") from None
    docs = doc if isinstance(doc, list) else [doc]
    if not docs:
        raise InvalidData.single(
            path,
            "this is an empty list, with no place in it: this is not a Commune Mesure place file. "
            "Export the place again.",
        )
    places, problems = [], []
    for doc in docs:
        place, found = _read_one(path, doc, grid)
        places.append(place)
        problems += found
    if problems:
        raise InvalidData(problems)
    return places


def _read_one(path: Path, doc: Any, grid: Grid) -> tuple[Place, list[InputProblem]]:
    try:
        answers = doc["blocs"]["impact_social"]["donnees"]
        name = str(doc["name"]).strip()
    except (KeyError, TypeError):
        raise InvalidData.single(
            path, "no `name` or no `blocs.impact_social.donnees`: this is not a Commune Mesure place file."
        ) from None
    address = doc.get("address") or {}
    if not isinstance(answers, dict) or not isinstance(address, dict) or doc["name"] is None:
        raise InvalidData.single(
            path,
            "`name` is empty, or `address` or `blocs.impact_social.donnees` is not an object: this is not a "
            "Commune Mesure place file as the platform exports it. Export the place again.",
        )
    place = Place(path, name, str(address.get("city") or ""), str(address.get("postalcode") or ""))
    for column, text in (("name", place.name), ("address.city", place.city), ("address.postalcode", place.postcode)):
        if problem := _unwritable(text):
            raise InvalidData.single(path, f"{problem}.", column=column)
    by_key = {q.platform_key: (owner, q) for owner, q in grid.iter_questions() if q.platform_key}
    problems = []
    for key, value in answers.items():
        if key not in by_key:
            problems += _keep_unknown(place, grid, key, value)
            continue
        owner, question = by_key[key]
        for item, problem in _values(question, value):
            problem = problem or _unwritable(item)
            if problem:
                problems.append(
                    InputProblem(path.name, f"{problem} (question `{owner}.{question.id}`).", column=key, value=item)
                )
            else:
                place.rows.append((owner, question.id, item))
    place.rows += not_asked_rows(grid)
    return place, problems


def not_asked_rows(grid: Grid) -> list[tuple[str, str, str]]:
    """Return the rows saying what the platform does not ask: the grid's parts that no platform key reads.

    One row ``<level>,asked,no`` for a level none of whose questions or criteria the platform
    asks (Commune Mesure's "Impact sur le projet urbain"), else one ``<criterion>,asked,no`` per
    criterion it does not ask. The reports then say "not asked", never "no effect".
    """
    rows = []
    for level in grid.levels:
        asked = [c for c in level.criteria if any(q.platform_key for q in c.questions)]
        if not asked and not any(q.platform_key for q in level.questions):
            rows.append((level.id, NOT_ASKED, "no"))
        else:
            rows += [(c.id, NOT_ASKED, "no") for c in level.criteria if c not in asked]
    return rows


def _keep_unknown(place: Place, grid: Grid, key: str, value: Any) -> list[InputProblem]:
    """Keep the text of a key the grid does not know as a testimony of the criterion its prefix names.

    Nothing is stored nowhere: text under a key with no such prefix, or a value
    that is not text, stops the import with the key's name.
    """
    if _is_empty(value):
        return []
    items = value if isinstance(value, list) else [value]
    texts = [item for item in items if not _is_empty(item)]
    criterion = _criterion_of(grid, key)
    if criterion is not None and all(isinstance(item, str) for item in texts):
        problems = [
            InputProblem(place.path.name, f"{problem} (question `{criterion}.testimony`).", column=key)
            for text in texts
            if (problem := _unwritable(text))
        ]
        place.rows += [(criterion, "testimony", text) for text in texts]
        place.kept_keys[key] = criterion
        return problems
    what = "its value is not text" if criterion is not None else "no criterion of the grid has this prefix"
    return [
        InputProblem(
            place.path.name,
            f"the grid has no question for this key and {what}, so its answer would be stored nowhere. "
            "Add the key as the `platform_key` of a question of the grid, or remove it from the file.",
            column=key,
            value=str(value)[:80],
        )
    ]


def _criterion_of(grid: Grid, key: str) -> str | None:
    """Return the criterion whose id or testimony key is the longest prefix of ``key`` (as ``prefix_``)."""
    found = [
        (len(prefix), criterion.id)
        for criterion in grid.criteria
        for prefix in (criterion.id, *(q.platform_key for q in criterion.questions if q.type == "testimony"))
        if prefix and key.startswith(f"{prefix}_")
    ]
    return max(found)[1] if found else None


def _unwritable(text: str) -> str | None:
    """Say why ``text`` cannot go into a UTF-8 CSV file (a NUL or half a surrogate pair), or None."""
    found = _UNWRITABLE.search(text)
    if found is None:
        return None
    return (
        f"the text holds the character {found.group()!r} at position {found.start()}, which no CSV file "
        "can hold; remove it from the place file (or export the place again from the platform)"
    )


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _values(question: Question, value: Any) -> Iterable[tuple[str, str | None]]:
    """Yield ``(value, problem)`` pairs: the answer's values as the grid stores them."""
    if _is_empty(value):
        return
    if question.type == "testimony":
        yield str(value), None  # verbatim: never trimmed, re-cased or fixed
        return
    items = value if isinstance(value, list) else [value]
    items = [i for i in items if not _is_empty(i)]
    if question.type == "keywords":
        for item in items:
            for word in str(item).split(","):
                if word.strip():
                    yield word.strip(), None
        return
    if question.type in SINGLE_VALUED and len(items) > 1:
        yield ", ".join(map(str, items)), "several answers to a question that takes one"
        return
    index = _label_index(question) if question.is_choice else {}
    for item in items:
        text = str(item)
        if question.is_choice:
            option_id = index.get(normalize_label(text))
            if option_id is not None:
                yield option_id, None
            elif question.open:
                yield text, None
            else:
                yield text, f"unknown raw label {text!r}; add it to the `raw` labels of an option in the grid"
            continue
        if question.type in ("number", "scale"):
            number = as_number(text)
            text = f"{number:g}" if number is not None else text
        yield text, check_value(question, text)


def import_places(
    files: Iterable[str | Path],
    year: int,
    data: str | Path = "data",
    *,
    grid: Grid | None = None,
    replace: bool = False,
    site_id: str | None = None,
    init: bool = False,
) -> list[Place]:
    """Import platform place files as the observations of ``year``.

    Each place becomes a site (added to ``sites.csv`` if new) and its answers the
    rows of that (site, year) in ``observations-commune-mesure.csv``. Nothing is
    written unless every file imports cleanly.

    Parameters
    ----------
    files : iterable of str or Path
        Place JSON files of the platform.
    year : int
        The year the answers describe (the platform has no year field).
    data : str or Path
        The data folder.
    grid : Grid, optional
        The grid to map answers to; Commune Mesure's by default.
    replace : bool
        Replace a (site, year) that this importer wrote before, instead of refusing.
    site_id : str, optional
        The site id of the one place imported (``--id``), instead of the one
        ``sites.csv`` gives to its name and city or the slug of its name.
    init : bool
        Create the data folder if it does not exist (otherwise a missing folder is refused).

    Returns
    -------
    list of Place
        The places imported, in the order given.

    Raises
    ------
    InvalidData
        If a file cannot be read or holds answers the grid does not know.
    ImportFailed
        If a (site, year) already exists (and ``replace`` is false or the rows are
        in a file the importer does not own), if two files are the same site, if a
        place would take the id of a different place (see
        :mod:`impact_kit.importers.site_ids`), or if ``data`` does not exist and
        ``init`` is false.
    """
    grid = grid or default_grid()
    data = Path(data)
    if not YEAR_RANGE[0] <= int(year) <= YEAR_RANGE[1]:
        raise ImportFailed(f"--year {year} is not a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}.")
    if not data.is_dir() and (data.exists() or not init):
        what = "is not a folder" if data.exists() else "does not exist"
        raise ImportFailed(
            f"the data folder {data} {what}. Check `--data`, or pass `--init` to create a new data folder. "
            "Nothing was written."
        )
    places: list[Place] = []
    problems: list[InputProblem] = []
    for path in files:
        try:
            places += read_place(path, grid=grid)
        except InvalidData as exc:
            problems += exc.problems
    if problems:
        raise InvalidData(problems)
    assign_site_ids(places, read_site_rows(data), year=int(year), data=data, site_id=site_id)
    sites = [p.site for p in places]
    own = data / IMPORT_FILE
    kept = _check_existing(data, own, {(s, int(year)) for s in sites}, replace=replace)
    new_rows = [(p.site, str(year), c, q, v) for p in places for c, q, v in p.rows]
    sites_text = _sites_with(data, places)
    with atomic_write(own, "w", encoding="utf-8", newline="") as handle:
        for record in [OBSERVATION_COLUMNS, *kept, *new_rows]:
            handle.write(csv_line(record))
    if sites_text is not None:
        path, payload = sites_text
        with atomic_write(path, "wb") as handle:
            handle.write(payload)
    return places


def csv_line(cells: Iterable[str], separator: str = ",", newline: str = "\n") -> str:
    r"""Return one CSV record that :func:`impact_kit.data.read.read_table` reads back exactly.

    A cell is quoted when it holds the separator, a quote, or any line break: ``\r``
    as well as ``\n`` (``csv.writer`` leaves a lone ``\r`` unquoted when lines end
    with ``\n``, and the file then reads back as other rows).
    """
    special = re.compile(f'[{re.escape(separator)}"\r\n]')
    quoted = ['"' + c.replace('"', '""') + '"' if special.search(c) else c for c in map(str, cells)]
    return separator.join(quoted) + newline


def _check_existing(data: Path, own: Path, wanted: set[tuple[str, int]], *, replace: bool) -> list[tuple[str, ...]]:
    """Refuse (site, year) pairs that exist already; return the importer file's rows to keep."""
    kept: list[tuple[str, ...]] = []
    tables = [
        table for path in find_files(data, "observations") for table in read_tables(path, columns=("site", "year"))
    ]
    for table in tables:
        path, frame = table.path, table.frame
        if not {"site", "year"} <= set(frame.columns):
            continue
        if path == own:
            frame = require_columns(table, OBSERVATION_COLUMNS).frame
        years = frame["year"].map(lambda y: int(n) if (n := as_number(y)) is not None else None)
        sites = [site.strip() for site in frame["site"]]
        clash = sorted({(s, y) for s, y in zip(sites, years, strict=True) if (s, y) in wanted})
        if clash and not (replace and path == own):
            pairs = ", ".join(f"{s} {y}" for s, y in clash)
            hint = (
                "pass --replace to import it again"
                if path == own
                else f"remove those rows from {path.name} first (the kit does not rewrite your files)"
            )
            raise ImportFailed(f"{path.name} already holds observations of {pairs}; {hint}. Nothing was written.")
        if path == own:
            columns = list(OBSERVATION_COLUMNS)
            kept = [
                tuple(r)
                for r, s, y in zip(frame[columns].itertuples(index=False), sites, years, strict=True)
                if (s, y) not in wanted
            ]
    return kept


def _sites_with(data: Path, places: list[Place]) -> tuple[Path, bytes] | None:
    """Return the new content of the sites file with the new places appended, or None."""
    path = data / "sites.csv"
    if not path.exists():
        others = [p.name for p in find_files(data, "sites") if p.stem.lower() == "sites"]
        if others:
            raise ImportFailed(
                f"the sites are in {others[0]}, which the importer cannot append to; "
                "save it as sites.csv or add the new sites yourself. Nothing was written."
            )
        raw, columns, sep, encoding, known = b"", list(SITE_COLUMNS), ",", "utf-8", set()
    else:
        table = read_table(path)
        raw, columns, sep, encoding = path.read_bytes(), list(table.frame.columns), table.separator, table.encoding
        known = {s.strip() for s in table.frame["site"]} if "site" in table.frame else set()
    new = [p for p in places if p.site not in known]
    if not new:
        return None
    newline = "\r\n" if b"\r\n" in raw else "\n"
    out = io.StringIO()
    if not raw:
        out.write(csv_line(columns, sep, newline))
    for place in new:
        values = {"site": place.site, "name": place.name, "city": place.city, "postcode": place.postcode}
        out.write(csv_line([values.get(c, "") for c in columns], sep, newline))
    prefix = raw if not raw or raw.endswith(b"\n") else raw + newline.encode()
    try:
        return path, prefix + out.getvalue().encode(encoding.replace("-sig", ""))
    except UnicodeEncodeError as exc:
        raise ImportFailed(
            f"sites.csv is in {encoding} and cannot hold {exc.object[exc.start : exc.end]!r}; "
            "save it as 'CSV UTF-8' and import again. Nothing was written."
        ) from None

"""Sites: ``data/sites.csv``, site ids (slugs of names) and what makes a place one site.

``sites.csv`` (or ``.xlsx`` / ``.parquet``) lists the sites: ``site,name,city,postcode,kind``
+ any extra columns. A site id is a slug of at most :data:`MAX_ID_LENGTH` characters; a
place (its name and city, :func:`site_identity`) has one id, and an id one place.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pandas as pd

from impact_kit.data.plain import isolate
from impact_kit.data.read import Table, find_files, read_tables, require_columns
from impact_kit.exceptions import InputProblem, InvalidData
from impact_kit.files import resolve_data

__all__ = [
    "MAX_ID_LENGTH",
    "SITES_LISTED",
    "SITE_COLUMNS",
    "close_sites",
    "is_slug",
    "load_sites",
    "site_identity",
    "slugify",
]

SITE_COLUMNS = ("site", "name", "city", "postcode", "kind")
#: The longest site id: it names folders and files, and must fit every filesystem with room to spare.
MAX_ID_LENGTH = 80
#: A folder with this many sites or fewer has them all named when a site is not found.
SITES_LISTED = 20
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Letters NFKD does not split into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O"})


def slugify(name: str) -> str:
    """Return the site id for a site name: lowercase ASCII letters, digits and ``-``.

    Accents are removed and every other run of characters becomes one ``-``:
    ``"Le Point H^UT, lieu de création urbaine"`` gives
    ``"le-point-h-ut-lieu-de-creation-urbaine"``.

    Raises
    ------
    ValueError
        If the name has no letter or digit to make an id from.
    """
    ascii_name = unicodedata.normalize("NFKD", name.translate(_LIGATURES))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    if not slug:
        raise ValueError(f"The site name {name!r} has no letter or digit to make a site id from.")
    if len(slug) > MAX_ID_LENGTH:
        cut = slug.rfind("-", 0, MAX_ID_LENGTH + 1)  # end on a whole word when one fits
        slug = slug[: cut if cut > 0 else MAX_ID_LENGTH].rstrip("-")
    return slug


def site_identity(name: str, city: str) -> tuple[str, str]:
    """Return what makes two site rows the same place: their name and city, compared loosely.

    Case, accents, punctuation and spaces do not count (``"Le Café"`` and ``"le cafe !"``
    are one name); letters of any script do. Two places whose ids are equal but whose
    identities differ are different places, and the kit refuses to merge them.
    """
    return _plain(name), _plain(city)


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[^\W_]+", text))


def is_slug(value: str) -> bool:
    """Return True if ``value`` is a valid site id (see :func:`slugify`)."""
    return bool(_SLUG.match(value))


def load_sites(data: str | Path = "data") -> pd.DataFrame:
    """Read and check ``sites.csv`` (or ``sites.xlsx`` / ``sites.parquet``) in ``data``.

    Returns
    -------
    pandas.DataFrame
        One row per site, indexed by ``site``, with ``name``, ``city``, ``postcode``,
        ``kind`` (empty text where the file lacks the column) and any extra columns.

    Raises
    ------
    InvalidData
        If the file is missing or unreadable, lacks the ``site`` or ``name`` column,
        or has empty, duplicate or non-slug site ids.
    """
    data = resolve_data(data)
    files = [p for p in find_files(data, "sites") if p.stem.lower() == "sites"]
    if not files:
        raise InvalidData.single(
            Path(data) / "sites.csv",
            "the file does not exist. Create it with the columns "
            f"{', '.join(SITE_COLUMNS)}, or check the path of the data folder.",
        )
    if len(files) > 1:
        raise InvalidData.single(
            files[1], f"there are {len(files)} sites files; keep only one of {[p.name for p in files]}."
        )
    tables = [require_columns(t, ("site", "name")) for t in read_tables(files[0], columns=("site", "name"))]
    # Surrounding spaces are no part of an id (as in observations: normalise, then check).
    tables = [replace(t, frame=t.frame.assign(site=t.frame["site"].map(str.strip).astype(object))) for t in tables]
    problems: list[InputProblem] = []
    seen: dict[str, tuple[str, int]] = {}
    for table in tables:
        problems += table.ragged_problems()
        for row, site in zip(table.rows, table.frame["site"], strict=True):
            problems += _site_id_problems(table, row, site, seen)
        problems += _same_place_twice(table)
    if problems:
        raise InvalidData(problems)
    frame = pd.concat([t.frame for t in tables], ignore_index=True).fillna("")
    for column in SITE_COLUMNS:
        if column not in frame:
            frame[column] = ""
    frame = frame[[*SITE_COLUMNS, *(c for c in frame.columns if c not in SITE_COLUMNS)]]
    for column in ("name", "city"):  # a right-to-left override in a name reverses nothing around it
        frame[column] = frame[column].map(isolate)
    return frame.astype("string").set_index("site")


def _site_id_problems(table: Table, row: int, site: str, seen: dict[str, tuple[str, int]]) -> list[InputProblem]:
    """Return what is wrong with one site id (``seen`` maps the ids met so far to their file and row)."""

    def problem(message: str) -> list[InputProblem]:
        return [InputProblem(table.name, message, row, "site", site or None)]

    if not site:
        return problem("the site id is empty. Give every site an id.")
    if not is_slug(site):
        return problem(
            f"{site!r} is not a site id: use lowercase ASCII letters, digits and `-` only{_slug_hint(site)}."
        )
    if len(site) > MAX_ID_LENGTH:
        return problem(
            f"the site id has {len(site)} characters; keep it to {MAX_ID_LENGTH} at most, since it names "
            f"the report's folder (for example {slugify(site)!r})."
        )
    if site in seen:
        name, first = seen[site]
        where = f"row {first}" if name == table.name else f"{name}, row {first}"
        return problem(f"the site id {site!r} is already used on {where}. Site ids must be unique.")
    seen[site] = (table.name, row)
    return []


def _same_place_twice(table: Table) -> list[InputProblem]:
    """Two rows with one name and city under two ids: one place must be one site."""
    if "name" not in table.frame:
        return []
    cities = table.frame["city"] if "city" in table.frame else [""] * len(table.frame)
    first: dict[tuple[str, str], tuple[int, str]] = {}
    problems = []
    for row, site, name, city in zip(table.rows, table.frame["site"], table.frame["name"], cities, strict=True):
        identity = site_identity(name, city)
        if not identity[0]:
            continue
        if identity in first and first[identity][1] != site:  # the same id twice is named above
            other_row, other_site = first[identity]
            where = f"in {city}" if city.strip() else "with no city"
            problems.append(
                InputProblem(
                    table.name,
                    f"{name!r} {where} is already site {other_site!r} on row {other_row}: one place is one site. "
                    "Keep one row, or tell the places apart by their name or city.",
                    row,
                    "name",
                    name,
                )
            )
        else:
            first[identity] = (row, site)
    return problems


def _slug_hint(value: str) -> str:
    try:
        return f" (for example {slugify(value)!r})"
    except ValueError:
        return ""


def close_sites(site: str, known: list[str], *, n: int = 3) -> list[str]:
    """Return up to ``n`` site ids of ``known`` that ``site`` may have meant: prefixes first, then look-alikes.

    ``"les-halles"`` finds ``"les-halles-ephemeres-exemple"`` (an id it starts), which a
    plain similarity ratio misses when the rest of the id is long.
    """
    wanted = site.strip().lower()
    starts = [k for k in known if wanted and k.startswith(wanted)]
    words = [k for k in known if wanted and f"-{wanted}" in f"-{k}" and k not in starts]
    alike = difflib.get_close_matches(wanted, known, n=n)
    return list(dict.fromkeys([*starts, *words, *alike]))[:n]

"""Give each imported place its site id, and never merge two places into one site.

A place is known by its name and city (:func:`impact_kit.data.observations.site_identity`).
Its site id is, in this order: the ``--id`` given for it; the id that ``sites.csv``
already gives to a row of the same name and city (so a ``sites.csv`` row is the way to
map a platform place to any id); the slug of its name. A slug that ``sites.csv`` or
another file of the same run gives to a different place is refused, with the command
that imports it under its own id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from impact_kit.data.observations import MAX_ID_LENGTH, is_slug, site_identity, slugify
from impact_kit.data.read import read_table
from impact_kit.exceptions import ImportFailed, InputProblem, InvalidData
from impact_kit.importers.place import Place

__all__ = ["SiteRow", "assign_site_ids", "read_site_rows"]


@dataclass(frozen=True)
class SiteRow:
    """A row of ``sites.csv``: its number, id, name and city."""

    row: int
    site: str
    name: str
    city: str

    def describe(self) -> str:
        """``'Le Café' (Paris)``, for messages."""
        return _describe(self.name, self.city)


def read_site_rows(data: str | Path) -> list[SiteRow]:
    """Return the rows of ``data/sites.csv`` (none if the file is missing or has no ``site`` column)."""
    path = Path(data) / "sites.csv"
    if not path.exists():
        return []
    frame, rows = (table := read_table(path)).frame, table.rows
    if "site" not in frame:
        return []
    column = {c: frame[c] if c in frame else [""] * len(frame) for c in ("name", "city")}
    return [
        SiteRow(row, site.strip(), name, city)
        for row, site, name, city in zip(rows, frame["site"], column["name"], column["city"], strict=True)
    ]


def assign_site_ids(
    places: Sequence[Place], existing: Sequence[SiteRow], *, year: int, data: Path, site_id: str | None = None
) -> None:
    """Set each place's ``site_id``, or refuse to merge two places into one site.

    Parameters
    ----------
    places : sequence of Place
        The places of one import run.
    existing : sequence of SiteRow
        The rows of ``sites.csv``.
    year : int
        The year being imported (for the command the messages suggest).
    data : Path
        The data folder (likewise).
    site_id : str, optional
        The id to give the one place of the run (``--id``).

    Raises
    ------
    ImportFailed
        If ``site_id`` is not a valid id or the run has several places; if a place would
        take the id of a different place (in ``sites.csv`` or in another file of the
        run); if two files of the run are the same place.
    InvalidData
        If a place's name has no letter or digit to make an id from and no ``site_id`` is given.
    """
    by_id = {row.site: row for row in existing}
    by_identity: dict[tuple[str, str], SiteRow] = {}
    for row in existing:
        by_identity.setdefault(site_identity(row.name, row.city), row)
    if site_id is not None:
        _check_given_id(site_id, places)
    problems: list[InputProblem] = []
    for place in places:
        identity = site_identity(place.name, place.city)
        known = by_identity.get(identity)
        if site_id is not None:
            if known is not None and known.site != site_id:
                raise ImportFailed(
                    f"{place.path.name}: {_describe(place.name, place.city)} is already site {known.site!r} "
                    f"(sites.csv, row {known.row}); drop `--id` to import it there, or change that row's name "
                    "or city if it is another place. Nothing was written."
                )
            place.site_id = site_id
        elif known is not None:
            place.site_id = known.site
        else:
            try:
                place.site_id = slugify(place.name)
            except ValueError:
                problems.append(
                    InputProblem(
                        place.path.name,
                        f"the place name {place.name!r} has no letter or digit to make a site id from. Give it "
                        f"one: `{_command(place, year, data, 'SITE_ID')}`.",
                        column="name",
                        value=place.name,
                    )
                )
                continue
        owner = by_id.get(place.site_id)
        if owner is not None and site_identity(owner.name, owner.city) != identity:
            taken = {*by_id, *(p.site_id for p in places if p.site_id)}
            raise ImportFailed(
                f"{place.path.name}: the place {_describe(place.name, place.city)} would be site "
                f"{place.site_id!r}, which sites.csv (row {owner.row}) gives to {owner.describe()}. Different "
                "places are never merged: give this one its own id, "
                f"`{_command(place, year, data, _free_id(place, taken))}`, or, if it is the same place, write "
                f"its name and city in row {owner.row} of sites.csv as the platform spells them. "
                "Nothing was written."
            )
    if problems:
        raise InvalidData(problems)
    _check_run(places, year=year, data=data, taken=set(by_id))


def _check_given_id(site_id: str, places: Sequence[Place]) -> None:
    if not is_slug(site_id) or len(site_id) > MAX_ID_LENGTH:
        try:
            example = f" (for example {slugify(site_id)!r})"
        except ValueError:
            example = ""
        raise ImportFailed(
            f"`--id {site_id}` is not a site id: use lowercase ASCII letters, digits and `-`, at most "
            f"{MAX_ID_LENGTH} characters{example}. Nothing was written."
        )
    if len(places) != 1:
        files = sorted({p.path.name for p in places})
        raise ImportFailed(
            f"`--id` names the site of one place, but {len(places)} places were given ({', '.join(files)}); "
            "import them one at a time. Nothing was written."
        )


def _check_run(places: Sequence[Place], *, year: int, data: Path, taken: set[str]) -> None:
    """Two places of one run with the same id: the same place twice, or two places colliding."""
    first: dict[str, Place] = {}
    for place in places:
        other = first.setdefault(place.site, place)
        if other is place:
            continue
        if site_identity(other.name, other.city) == site_identity(place.name, place.city):
            raise ImportFailed(
                f"{other.path.name} and {place.path.name} are the same place {_describe(place.name, place.city)} "
                f"(site {place.site!r}): import one file per site and year. Nothing was written."
            )
        free = _free_id(place, taken | {p.site for p in places})
        raise ImportFailed(
            f"{other.path.name} ({_describe(other.name, other.city)}) and {place.path.name} "
            f"({_describe(place.name, place.city)}) would both be site {place.site!r}, but they are different "
            f"places. Import them in two runs, the second with its own id: `{_command(other, year, data)}`, then "
            f"`{_command(place, year, data, free)}`. Nothing was written."
        )


def _free_id(place: Place, taken: set[str]) -> str:
    """Return an id for the place that is not taken: its name and city, or its name and a number."""
    try:
        base = slugify(f"{place.name} {place.city}") if place.city.strip() else slugify(place.name)
    except ValueError:
        base = "site"
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base[: MAX_ID_LENGTH - len(str(number)) - 1]}-{number}"
        number += 1
    return candidate


def _command(place: Place, year: int, data: Path, site_id: str | None = None) -> str:
    data_option = "" if data == Path("data") else f" --data {data}"
    id_option = "" if site_id is None else f" --id {site_id}"
    return f"impact-kit import commune-mesure {place.path} --year {year}{data_option}{id_option}"


def _describe(name: str, city: str) -> str:
    return f"{name!r} ({city.strip() or 'no city'})"

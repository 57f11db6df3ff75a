"""Rebuild the export fixtures of this folder from the sample data: `.venv/bin/python tests/data/exports/build.py`.

Two site-years of ../../../data are filled into the kit's form and exported as each tool
would (see tests/dialects.py for the conventions and where they come from):
- kobo-labels-fr.csv: KoboToolbox, labels in French, groups in headers, select_multiple as
  the summary and separate 1/0 columns, ';' and every cell quoted;
- kobo-xml.xlsx: KoboToolbox, XML names, no groups, separate columns only;
- odk-central.csv and odk-central.csv.zip: ODK Central, group paths joined by '-', split
  select-multiples, its system columns;
- workbook-<site>_<year>.xlsx: the kit's workbook, filled in French;
- expected.csv: the observations they were filled from.

It also rebuilds the collect cases of ../bad (import-kobo-*, import-odk-*, import-workbook-*),
whose exports carry the grid's version: run it again when the grid's labels or questions change.
"""

from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import load_workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from dialects import Filled, fill_workbook, kobo_table, odk_table, write_csv, write_xlsx, write_zip  # noqa: E402

from impact_kit.forms.workbook import write_workbook  # noqa: E402
from impact_kit.grid.file import default_grid  # noqa: E402

PAIRS = (("coeur-de-friche-exemple", 2022), ("l-atelier-du-canal-exemple", 2023))


def main() -> None:
    grid = default_grid()
    data = HERE.parents[2] / "data"
    obs = pd.concat(pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(data.glob("observations*.csv")))
    sites = pd.read_csv(data / "sites.csv", dtype=str, keep_default_na=False).set_index("site")
    chosen = obs[[(s, int(y)) in PAIRS for s, y in zip(obs["site"], obs["year"], strict=True)]]
    chosen[["site", "year", "criterion", "question", "value"]].to_csv(HERE / "expected.csv", index=False)
    by_name, by_id = [], []
    for site, year in PAIRS:
        rows = chosen[(chosen["site"] == site) & (chosen["year"] == str(year))]
        triples = [tuple(r) for r in rows[["criterion", "question", "value"]].itertuples(index=False)]
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site}/{year}"))
        by_name.append(Filled(sites.loc[site, "name"], sites.loc[site, "city"], year, triples, key))
        by_id.append(Filled(site, "", year, triples, key))
        path = write_workbook(grid, site, year, HERE / f"workbook-{site}_{year}.xlsx", lang="fr")
        fill_workbook(path, grid, by_id[-1])
    header, rows = kobo_table(grid, by_name, lang="fr", sep="/", multiple="both")
    write_csv(HERE / "kobo-labels-fr.csv", header, rows, delimiter=";", quote_all=True)
    header, rows = kobo_table(grid, by_id, lang=None, sep=None, multiple="details")
    write_xlsx(HERE / "kobo-xml.xlsx", header, rows)
    header, rows = odk_table(grid, by_id)
    write_csv(HERE / "odk-central.csv", header, rows)
    write_zip(HERE / "odk-central.csv.zip", grid, header, rows)


ROWS = [
    ("lien_social", "frequency", "weekly"),
    ("sante", "effects", "discomfort"),
    ("sante", "testimony", "Un témoignage."),
]


def bad_cases() -> None:
    """The collect cases of the bad-input corpus: each a data folder, one export, and what the command must say."""
    grid = default_grid()
    bad = HERE.parent / "bad"

    def case(name, file, command, message, make):
        folder = bad / name
        if folder.exists():
            shutil.rmtree(folder)
        (folder / "data").mkdir(parents=True)
        shutil.copy(HERE.parents[2] / "data" / "sites.csv", folder / "data" / "sites.csv")
        make(folder / file)
        expected = {"command": command, "exit": 2, "message": message, "file": file}
        (folder / "expected.yaml").write_text(yaml.safe_dump(expected, allow_unicode=True, sort_keys=False), "utf-8")

    def kobo(edit, subs=None):
        def make(path):
            header, table = kobo_table(grid, subs or [Filled("the-good-start", "", 2024, ROWS, "a1b2")], lang=None)
            edit(header, table)
            write_csv(path, header, table, delimiter=";", quote_all=True)

        return make

    def set_cell(column, value):
        return lambda header, table: table[0].__setitem__(header.index(column), value)

    def odk_two(path):
        subs = [
            Filled("the-good-start", "", 2024, ROWS, "k1"),
            Filled("The Good Start", "Pantin", 2024, ROWS[:1], "k2"),
        ]
        write_csv(path, *odk_table(grid, subs))

    def workbook(edit):
        def make(path):
            write_workbook(grid, "the-good-start", 2024, path, lang="fr")
            fill_workbook(path, grid, Filled("the-good-start", "", 2024, ROWS))
            book = load_workbook(path)
            edit(book)
            book.save(path)

        return make

    kobo_command = ["import", "kobo", "kobo.csv", "--data", "data"]
    case(
        "import-kobo-other-grid-version",
        "kobo.csv",
        kobo_command,
        ["answered the form of version '0123456789ab'", "row 2", "column `grid_version`"],
        kobo(set_cell("grid_version", "0123456789ab")),
    )
    case(
        "import-kobo-unknown-site",
        "kobo.csv",
        kobo_command,
        ["the site 'Lieu Inconnu' (Quimper) is not in sites.csv", "row 2", "pass --new-sites"],
        kobo(lambda h, t: None, [Filled("Lieu Inconnu", "Quimper", 2024, ROWS, "c3d4")]),
    )
    case(
        "import-kobo-not-an-option",
        "kobo.csv",
        kobo_command,
        ["'souvent' is not an option of question `lien_social.frequency`", "row 2", "column `lien_social__frequency`"],
        kobo(set_cell("lien_social__frequency", "souvent")),
    )
    case(
        "import-kobo-year-empty",
        "kobo.csv",
        kobo_command,
        ["the year is empty", "--year", "row 2"],
        kobo(set_cell("year", "")),
    )
    odk_command = ["import", "odk", "odk.csv", "--data", "data"]
    case(
        "import-odk-two-submissions",
        "odk.csv",
        odk_command,
        ["a second submission for the-good-start 2024", "row 3", "(the first: odk.csv, row 2)"],
        odk_two,
    )
    case(
        "import-odk-not-an-export",
        "odk.csv",
        odk_command,
        ["this is not an export of the kit's form", "row 1"],
        lambda p: p.write_text("name,age\nAlice,30\n"),
    )
    book = "the-good-start_2024.xlsx"
    book_command = ["import", "workbook", book, "--data", "data"]
    case(
        "import-workbook-ids-edited",
        book,
        book_command,
        [
            "the hidden ids of this row are lien_social / publics / people_in_difficulty",
            "row 6",
            "column `A-C`",
            "a row was edited, moved, inserted or deleted",
        ],
        workbook(lambda b: b.worksheets[1].delete_rows(6)),
    )
    case("import-workbook-other-grid-version", book, book_command,
         ["the workbook was written for version 'ffffffffffff'", "row 3", "column `B`"],
         workbook(lambda b: b.worksheets[0].__setitem__("B3", "ffffffffffff")))  # fmt: skip


if __name__ == "__main__":
    main()
    bad_cases()

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
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pandas as pd

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


if __name__ == "__main__":
    main()

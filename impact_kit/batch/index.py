"""``reports/index.html``: every site and year of a batch, its status and figures, one offline page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from impact_kit.batch.manifest import Manifest
from impact_kit.data.dataset import Dataset
from impact_kit.files import atomic_write
from impact_kit.indicators.programme import indicators_of
from impact_kit.indicators.table import with_directions
from impact_kit.render.export import TEMPLATES_DIR
from impact_kit.render.markup import render
from impact_kit.words import fill_text, format_date, pick_form, texts

__all__ = ["INDEX", "index_rows", "write_index"]

#: The index's name in the reports folder.
INDEX = "index.html"


def index_rows(dataset: Dataset, manifest: Manifest, out: Path) -> list[dict[str, object]]:
    """Return one row per job of the manifest: site, name, city, year, status, link, intensity per level, effects.

    ``commentary`` is how many Markdown cells of the evaluator's own the report holds; ``stale``
    the files of an earlier run that its folder keeps (a ``report.docx`` not asked for again).

    Links are relative to the reports folder, so the folder can be zipped and sent.
    """
    keys = [(e.site, e.year) for e in manifest.entries.values()]
    table = indicators_of(dataset)  # computed once per dataset: the batch's programme figures start from it too
    table = table[table["site"].isin({s for s, _ in keys})]
    # Criteria with a positive effect: a negative or a zero answer is never counted as an effect.
    effects = with_directions(table).groupby(["site", "year"], observed=True)["positive"].sum()
    levels = table.drop_duplicates(["site", "year", "level"]).set_index(["site", "year", "level"])["intensity"]
    rows = []
    for key in sorted(manifest.entries, key=lambda k: (k.rpartition("/")[0], int(k.rpartition("/")[2]))):
        entry = manifest.entries[key]
        folder = out / entry.site / str(entry.year)
        if entry.status == "done":
            link = f"{entry.site}/{entry.year}/report.html" if (folder / "report.html").exists() else ""
        else:
            link = f"{entry.site}/{entry.year}/report.failed.ipynb" if (folder / "report.failed.ipynb").exists() else ""
        info = dataset.sites.loc[entry.site] if entry.site in dataset.sites.index else None
        intensity = []
        for level in dataset.grid.levels:
            value = levels.get((entry.site, entry.year, level.id))
            intensity.append("" if value is None or pd.isna(value) else f"{float(value):g}")
        rows.append(
            {
                "site": entry.site,
                "name": "" if info is None else str(info["name"]),
                "city": "" if info is None else str(info["city"]),
                "year": entry.year,
                "status": entry.status,
                "error": entry.error or "",
                "link": link,
                "intensity": intensity,
                "effects": int(effects.get((entry.site, entry.year), 0)),
                "commentary": entry.commentary,
                "stale": entry.stale if entry.status == "done" else [],
            }
        )
    return rows


def write_index(dataset: Dataset, manifest: Manifest, out: Path, *, lang: str = "fr") -> Path:
    """Write ``<out>/index.html`` atomically and return its path."""
    words = texts(lang)
    rows = index_rows(dataset, manifest, out)
    failed = sum(row["status"] != "done" for row in rows)
    page = render(
        "index",
        lang=lang,
        words=words,
        rows=rows,
        levels=[level.label(lang) for level in dataset.grid.levels],
        summary=fill_text(pick_form(words["index_summary"], failed), {"reports": len(rows), "failed": failed}, lang),
        portfolios=sorted(p.parent.name for p in (out / "portfolio").glob("*/report.html")),
        caption=fill_text(words["index_caption"], {"criteria": len(dataset.grid.criteria)}, lang),
        css=Markup((TEMPLATES_DIR / "impact_report" / "report.css").read_text(encoding="utf-8")),
        generated=fill_text(words["index_generated"], {"date": format_date(dt.date.today(), lang)}, lang),
    )
    path = out / INDEX
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(str(page))
    return path

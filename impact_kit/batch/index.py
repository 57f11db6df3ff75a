"""``reports/index.html``: every site of a batch, one row each, its years as links, and every portfolio.

One row per site (5,000 sites make 5,000 rows, not 15,000): its name and town, each year's report
as a link (or its failure), and the figures of its latest report: the intensity of each level and
its criteria with a positive and with a negative effect. The page links every portfolio of the
reports folder; ``impact-kit portfolio`` writes it again (:func:`refresh_index`). It filters
without a network, says when nothing matches, and never breaks a word.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from impact_kit.batch.manifest import MANIFEST, Manifest
from impact_kit.data.dataset import Dataset
from impact_kit.files import atomic_write
from impact_kit.indicators.programme import indicators_of
from impact_kit.indicators.table import with_directions
from impact_kit.render.export import TEMPLATES_DIR
from impact_kit.render.markup import render
from impact_kit.render.typography import typeset_html
from impact_kit.words import LANGUAGES, fill_text, format_date, pick_form, texts

__all__ = ["INDEX", "index_rows", "refresh_index", "site_rows", "write_index"]

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
    counted = with_directions(table).groupby(["site", "year"], observed=True)[["positive", "negative"]].sum()
    effects, negative = counted["positive"], counted["negative"]
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
                "negative": int(negative.get((entry.site, entry.year), 0)),
                "commentary": entry.commentary,
                "stale": entry.stale if entry.status == "done" else [],
            }
        )
    return rows


def site_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Return one row per site from :func:`index_rows`' rows (one per job), in their order.

    Each has ``site``, ``name``, ``city``, ``years`` (that site's job rows, by year) and ``latest``
    (the row of its latest report written, whose figures the index shows; its latest job if none was).
    """
    sites: dict[str, dict[str, object]] = {}
    for row in rows:
        site = sites.setdefault(
            str(row["site"]), {"site": row["site"], "name": row["name"], "city": row["city"], "years": []}
        )
        site["years"].append(row)  # type: ignore[attr-defined]
    for site in sites.values():
        years: list[dict[str, object]] = site["years"]  # type: ignore[assignment]
        done = [row for row in years if row["status"] == "done"]
        site["latest"] = (done or years)[-1]
    return list(sites.values())


def _css_string(text: str) -> Markup:
    r"""Return ``text`` as a CSS string, every character but letters, digits and spaces escaped as ``\<hex> ``."""
    return Markup('"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"')


def write_index(dataset: Dataset, manifest: Manifest, out: Path, *, lang: str = "fr") -> Path:
    """Write ``<out>/index.html`` atomically and return its path."""
    words = texts(lang)
    rows = index_rows(dataset, manifest, out)
    failed = sum(row["status"] != "done" for row in rows)
    levels = [level.label(lang) for level in dataset.grid.levels]
    positive = fill_text(words["index_positive_full"], {"criteria": len(dataset.grid.criteria)}, lang)
    # Short headings under a group's heading, each with its full name (<abbr>, a card's label, the legend).
    titles = [fill_text(words["index_level_full"], {"level": level}, lang) for level in levels]
    legend = [(fill_text(words["pf_legend_level"], {"number": i}, lang), lv) for i, lv in enumerate(levels, start=1)]
    legend += [(words["index_positive"], positive), (words["index_negative"], words["index_negative_full"])]
    page = render(
        "index",
        lang=lang,
        words=words,
        sites=site_rows(rows),
        levels=[(str(i), title) for i, title in enumerate(titles, start=1)],
        positive=positive,
        card_labels=[
            _css_string(label)
            for label in (words["index_city"], words["index_years"], *titles, positive, words["index_negative_full"])
        ],
        legend=words["pf_watch_and"].join(fill_text(words["pair"], {"label": a, "values": b}, lang) for a, b in legend),
        summary=fill_text(pick_form(words["index_summary"], failed), {"reports": len(rows), "failed": failed}, lang),
        portfolios=sorted(p.parent.name for p in (out / "portfolio").glob("*/report.html")),
        caption=fill_text(words["index_caption"], {"criteria": len(dataset.grid.criteria)}, lang),
        css=Markup((TEMPLATES_DIR / "impact_report" / "report.css").read_text(encoding="utf-8")),
        generated=fill_text(words["index_generated"], {"date": format_date(dt.date.today(), lang)}, lang),
    )
    path = out / INDEX
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(typeset_html(str(page), lang))  # French typography; the names, marked as the data's, untouched
    return path


def refresh_index(dataset: Dataset, out: Path, *, lang: str = LANGUAGES[0]) -> Path:
    """Write ``<out>/index.html`` again (after a portfolio), in the language it was written in (``lang`` if new).

    The site rows come from the reports folder's manifest (none before a batch); the portfolios
    from ``<out>/portfolio/*/report.html``.
    """
    path = out / INDEX
    if path.is_file():
        found = re.search(r'<html lang="([a-z]+)"', path.read_text(encoding="utf-8")[:200])
        lang = found[1] if found and found[1] in LANGUAGES else lang
    manifest = Manifest.read(out) if (out / MANIFEST).is_file() else Manifest(out)
    return write_index(dataset, manifest, out, lang=lang)

"""The portfolio's first page: *En bref* and the sites to watch, what a programme officer reads first.

*En bref* answers the funder's questions in order: how many of the programme's sites answered
(the new ones, the silent ones and since when), the year's totals of what the grid counts with
the change on the same sites, the most widespread positive effect (a count under 10 sites), the
sites to watch in one sentence, and a link to the table of every site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from impact_kit.indicators.attention import DROP
from impact_kit.render import data_tables as pft
from impact_kit.render.markup import Html, render
from impact_kit.text.attention import watch_evidence
from impact_kit.words import DATA_LANG, UserText, format_number, marked

if TYPE_CHECKING:
    from impact_kit.reports.portfolio import PortfolioReport

__all__ = ["response_years_html", "summary_html", "watch_html"]

_FOLD_LIST = 12  # longer lists of new or silent sites fold behind a <details>
_WATCH_SHOWN = 20  # the sites to watch shown before the rest folds behind a <details>
_WATCH_NAMED = 5  # En bref names this many sites to watch, then says how many more


def _response(report: PortfolioReport) -> tuple[list[Markup], list[tuple[Markup, list[Markup], Markup]]]:
    """Return the sentence of who answered, and the lists of the new and the silent sites."""
    response = report.tables["programme_response"]
    now = response[response["year"] == report.year]
    answered, total = int(now["answered"].sum()), len(now)
    year = str(report.year)
    key, form = ("pf_response_all", total) if answered == total else ("pf_response", answered)
    sentences = [report._t(key, form=form, count=answered, total=total, year=year)]
    lists = []
    new = now[now["status"] == "new"]
    if len(new) and report.previous is not None:
        heading = report._t("pf_new", form=len(new), count=len(new), year=year)
        fresh = [Markup(marked(UserText(report._name(str(s)), DATA_LANG), report.lang)) for s in new["site"]]
        lists.append((heading, fresh, report._t("pf_show_list", count=len(new))))
    silent = now[~now["answered"].to_numpy(dtype=bool)].sort_values(
        "last_year", ascending=False, na_position="last", kind="stable"
    )
    if len(silent):
        names: list[Markup] = []
        for site, last in zip(silent["site"], silent["last_year"], strict=True):
            when = report._text("pf_never") if pd.isna(last) else report._text("pf_last_seen", year=str(int(last)))
            names.append(report._t("pf_silent_site", site=UserText(report._name(str(site)), DATA_LANG), when=when))
        heading = report._t("pf_silent", form=len(silent), count=len(silent), year=year)
        lists.append((heading, names, report._t("pf_show_list", count=len(silent))))
    return sentences, lists


def response_years_html(report: PortfolioReport) -> Markup:
    """Return each year's response of the programme, a sentence and a table ("" with a single year)."""
    years = _years(report)
    if years is None:
        return Markup("")
    total = len(report.tables["programme_response"]["site"].unique())
    intro = Markup("<p>") + report._t("pf_response_years", form=total, total=total) + Markup("</p>")
    return intro + Markup(str(render("portfolio_table", table=years)))


def _years(report: PortfolioReport) -> pft.DataTable | None:
    """Each year's response of the programme: answered, of which new, stopped, never (None for one year)."""
    response = report.tables["programme_response"]
    if response["year"].nunique() < 2:
        return None
    counts = response.groupby("year")["status"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=["answered", "new", "stopped", "never"], fill_value=0)
    words = report.words
    rows: list[tuple[str | Markup, list[str]]] = []
    for year, row in counts.iterrows():
        cells = [row["answered"] + row["new"], row["new"], row["stopped"], row["never"]]
        rows.append((str(year), [str(int(n)) for n in cells]))
    columns = [words[f"pf_col_response_{key}"] for key in ("year", "answered", "new", "stopped", "never")]
    return pft.DataTable(columns, rows)


def _totals(report: PortfolioReport) -> list[Markup]:
    """One line per number the grid counts: the year's total, who gave it, its change on the same sites."""
    totals = report.tables["number_totals"]
    lang, year = report.lang, str(report.year)
    lines = []
    for row in totals.to_dict("records"):
        question = report.grid.question(str(row["criterion"]), str(row["question"]))
        values: dict[str, Any] = {
            "question": question.label(lang) if question is not None else str(row["question"]),
            "total": format_number(row["total"], lang),
            "sites": report._sites(int(row["sites"])),
            "year": year,
        }
        line = report._t("pf_total", **values)
        if report.previous is not None and row["panel"]:
            line += report._t(
                "pf_total_panel",
                form=int(row["panel"]),
                count=int(row["panel"]),
                previous=str(report.previous),
                year=year,
                before=format_number(row["panel_before"], lang),
                after=format_number(row["panel_after"], lang),
            )
        lines.append(line + Markup("."))
    return lines


def _widest(report: PortfolioReport) -> Markup | None:
    shares = report.tables["effect_shares"]
    now = shares[shares["year"] == report.year]
    if not len(now) or now["observed"].max() <= 0:
        return None
    widest = now.iloc[int(now["observed"].to_numpy().argmax())]
    observed, sites = int(widest["observed"]), int(widest["sites"])
    return report._t(
        "pf_widest",
        form=sites,
        criterion=report._label(str(widest["criterion"])),
        observed=format_number(observed, report.lang),
        sites=format_number(sites, report.lang),
        detail=pft.share_detail(observed, sites, report.lang),
    )


def _watch_sentence(report: PortfolioReport) -> Markup:
    found = report.tables["sites_to_watch"]
    year = str(report.year)
    if found.empty:
        return report._t("pf_brief_watch_none", year=year)
    names: list[str] = [UserText(report._name(str(s)), DATA_LANG) for s in found["site"][:_WATCH_NAMED]]
    rest = len(found) - len(names)
    if rest:
        names.append(report._text("pf_brief_watch_more", form=rest, count=rest))
    return report._t("pf_brief_watch", form=len(found), count=len(found), year=year, sites=names)


def summary_html(report: PortfolioReport) -> Html:
    """Return *En bref* followed by the sites to watch (see the module's docstring)."""
    sentences, lists = _response(report)
    if report.previous is None:
        sentences.append(report._t("pf_first_year", year=str(report.year)))
    totals = _totals(report)
    widest = _widest(report)
    after = [s for s in (widest, _watch_sentence(report)) if s is not None]
    link = report._t("pf_brief_table", year=str(report.year))
    block = render(
        "portfolio_summary",
        title=report.words["summary"],
        sentences=sentences,
        lists=lists,
        fold=_FOLD_LIST,
        totals_intro=report._t("pf_totals", year=str(report.year)) if totals else "",
        totals=totals,
        after=after,
        link=link,
    )
    return Html(str(block) + str(watch_html(report)), name="summary")


def watch_html(report: PortfolioReport) -> Html:
    """Return the sites to watch: negative effects, intensity drops and lost positive effects, with the evidence.

    The rules of a site report's points of attention
    (:func:`impact_kit.indicators.portfolio.sites_to_watch`); each site's name links to
    its report's points of attention when the report exists. With none, one sentence says so.
    """
    found = report.tables["sites_to_watch"]
    values: dict[str, Any] = {"year": str(report.year), "previous": str(report.previous), "drop": DROP}
    key = ("pf_watch_none" if found.empty else "pf_watch_intro") + ("_first" if report.previous is None else "")
    intro = report._t(key, **values)
    cities = report.site_info["city"] if "city" in report.site_info else pd.Series(dtype="string")
    items = []
    for site, negative, drops, lost in zip(
        found["site"], found["negative"], found["drops"], found["lost"], strict=True
    ):
        site = str(site)
        evidence = watch_evidence(report.grid, negative, drops, lost, report.previous, report.lang)
        href = report.link(site)
        link = render("portfolio_link", href=f"{href}#ik-attention" if href else None, text=report._name(site))
        city = cities.get(site)
        if city is not None and pd.notna(city) and str(city):
            rest = report._t("pf_watch_site", city=UserText(str(city), DATA_LANG), evidence=evidence)
        else:
            rest = report._t("pf_watch_site_nocity", evidence=evidence)
        items.append(Markup(str(link)) + rest)
    more = report._t("pf_watch_more", count=max(len(items) - _WATCH_SHOWN, 0))
    title = report.words["pf_watch"]
    return render("portfolio_watch", title=title, intro=intro, sites=items, fold=_WATCH_SHOWN, show=more)

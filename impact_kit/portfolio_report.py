"""The portfolio report of a year, section by section: what ``portfolio_report.ipynb``'s cells call.

``notebooks/portfolio_report.ipynb`` calls :meth:`PortfolioReport.load`, then one
method per cell: :meth:`~PortfolioReport.header`, :meth:`~PortfolioReport.summary`,
:meth:`~PortfolioReport.effects`, :meth:`~PortfolioReport.publics`,
:meth:`~PortfolioReport.intensity`, :meth:`~PortfolioReport.movers`,
:meth:`~PortfolioReport.testimonies`, :meth:`~PortfolioReport.site_table`. Each returns
:class:`~impact_kit.markup.Html` rendered from a ``portfolio_*`` template of
``impact_kit/templates/sections`` (autoescaped). The data comes from
:mod:`impact_kit.portfolio` and :mod:`impact_kit.portfolio_sections`; every chart is
an inline SVG image with its alt text, a caption and its data in a ``<details>`` table.
"""

from __future__ import annotations

import base64
import difflib
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from impact_kit import charts
from impact_kit import portfolio_charts as pfc
from impact_kit import portfolio_tables as pft
from impact_kit.dataset import Dataset, load_dataset
from impact_kit.exceptions import NotFound
from impact_kit.files import resolve_data
from impact_kit.grid import Grid
from impact_kit.markup import Html, render
from impact_kit.portfolio import indicator_table
from impact_kit.portfolio_sections import portfolio_sections, previous_year
from impact_kit.testimonies import testimony_html
from impact_kit.words import fill, fill_text, join, pick_form, texts

__all__ = ["PORTFOLIO_CHARTS", "PortfolioReport"]

#: The charts :meth:`PortfolioReport.plot` draws, in the report's order.
PORTFOLIO_CHARTS = ("effects", "publics", "intensity", "change", "movers")
_FOLD_LIST = 12  # longer lists of new or missing sites fold behind a <details>


@dataclass(repr=False)
class PortfolioReport:
    """The portfolio report of one year: every site observed that year, with the earlier years for trends.

    Attributes
    ----------
    indicators : pandas.DataFrame
        :func:`impact_kit.portfolio.indicator_table` of the selected sites, for every year up
        to ``year``: what ``indicators.csv`` holds.
    tables : dict of pandas.DataFrame
        Each section's data (:func:`impact_kit.portfolio_sections.portfolio_sections`).
    """

    year: int
    grid: Grid
    site_info: pd.DataFrame
    observations: pd.DataFrame
    indicators: pd.DataFrame
    lang: str = "fr"
    pseudonymise: bool = False
    out: Path | None = None
    total_sites: int = 0
    top: int = 10
    per_criterion: int = 3

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Each section's data, computed once when first asked for (see the class's attributes)."""
        return portfolio_sections(
            self.observations,
            self.indicators,
            self.grid,
            self.year,
            top=self.top,
            per_criterion=self.per_criterion,
            pseudonymise=self.pseudonymise,
            lang=self.lang,
        )

    @classmethod
    def load(
        cls,
        year: int,
        *,
        data: str | Path | Dataset = "data",
        grid: Grid | str | Path | None = None,
        lang: str = "fr",
        pseudonymise: bool = False,
        sites: Sequence[str] | None = None,
        out: str | Path | None = None,
    ) -> PortfolioReport:
        """Read and validate the data folder (once per process) and compute the portfolio of ``year``.

        Parameters
        ----------
        year : int
            The year of the report; earlier years are kept for the trends, later ones left out.
        data : str, Path or Dataset
            The data folder (a relative path is found from here or a parent folder), or
            tables already validated.
        grid : Grid, str or Path, optional
            The grid or a grid file; the Commune Mesure grid by default.
        lang : str
            The report's language, one of the grid's.
        pseudonymise : bool
            Mask e-mail addresses and phone numbers in the testimonies quoted.
        sites : sequence of str, optional
            Site ids to keep (one id alone may be given as a string); all sites when empty or None.
        out : str or Path, optional
            The reports folder, in which the portfolio goes to ``portfolio/<year>/``: the
            site table links to ``<out>/<site>/<year>/report.html`` where that file exists.
            No links without it.

        Raises
        ------
        InvalidData
            If the data folder does not validate.
        NotFound
            If a site of ``sites`` is not in ``sites.csv``, or no selected site has
            observations for ``year``.
        InvalidArgument
            If ``lang`` is not a language of the grid.
        """
        dataset = data if isinstance(data, Dataset) else load_dataset(data, grid=grid)
        the_grid = dataset.grid
        the_grid.check_lang(lang)
        year = int(year)
        wanted = list(dict.fromkeys(str(s) for s in ([sites] if isinstance(sites, str) else sites or ())))
        known = list(dataset.sites.index)
        for site in wanted:
            if site not in dataset.sites.index:
                close = difflib.get_close_matches(site, known, n=3)
                hint = (
                    f"Did you mean {' or '.join(map(repr, close))}?" if close else "`impact-kit validate` lists them."
                )
                raise NotFound(f"{dataset.folder / 'sites.csv'} has no site {site!r}. {hint}")
        obs = dataset.observations
        if wanted:
            obs = obs[obs["site"].isin(wanted)]
        if not (obs["year"] == year).any():
            have = ", ".join(map(str, sorted(obs["year"].unique()))) or "none"
            which = f"the sites {', '.join(map(repr, wanted))}" if wanted else "any site"
            raise NotFound(f"{dataset.folder} has no observations of {which} for {year}. Years observed: {have}.")
        obs = obs[obs["year"] <= year]
        table = indicator_table(obs, the_grid, dataset.sites)
        reports = resolve_data(out) if out is not None and str(out) else None
        total = int(dataset.observations.loc[dataset.observations["year"] == year, "site"].nunique())
        info = dataset.sites.loc[dataset.sites.index.isin(obs["site"].unique())]
        return cls(year, the_grid, info, obs, table, lang, pseudonymise, reports, total)

    def __repr__(self) -> str:
        status = self.tables["sites_reporting"]["status"].value_counts()
        previous = f" since {self.previous}" if self.previous else ""
        return (
            f"<PortfolioReport {self.year} ({self.lang}): {self.reporting} sites, {status.get('new', 0)} new and "
            f"{status.get('missing', 0)} missing{previous}; grid {self.grid.id!r}>\n"
            "  sections: header(), summary(), effects(), publics(), intensity(), movers(), testimonies(), "
            f"site_table(); plot(name) for name in {list(PORTFOLIO_CHARTS)}"
        )

    @property
    def words(self) -> Mapping[str, Any]:
        """The report's own words in its language (see ``impact_kit/texts.yaml``)."""
        return texts(self.lang)

    @property
    def title(self) -> str:
        """The report's title as plain text."""
        return fill_text(self.words["pr_title"], {"year": str(self.year)}, self.lang)

    @cached_property
    def previous(self) -> int | None:
        """The latest earlier year in which any selected site was observed, if any."""
        return previous_year(self.indicators, self.year)

    @property
    def reporting(self) -> int:
        """How many sites were observed in the report's year."""
        return int((self.tables["sites_reporting"]["status"] != "missing").sum())

    def _t(self, key: str, *, form: float | None = None, **values: Any) -> Markup:
        """Fill the text ``key`` (its ``form`` for that count, if it has forms) as escaped HTML."""
        return Markup(fill(pick_form(self.words[key], form), values, self.lang))

    def _sites(self, count: int) -> str:
        return fill_text(pick_form(self.words["pf_sites"], count), {"count": count}, self.lang)

    def _name(self, site: str) -> str:
        name = self.site_info["name"].get(site) if "name" in self.site_info else None
        return str(name) if name is not None and pd.notna(name) and str(name) else site

    def _label(self, item: str) -> str:
        return pft.label(self.grid, item, self.lang)

    def link(self, site: str) -> str | None:
        """Return the relative link from the portfolio page to ``site``'s report of the year, if that file exists."""
        if self.out is None or not (self.out / site / str(self.year) / "report.html").is_file():
            return None
        return f"../../{quote(site)}/{self.year}/report.html"

    def header(self) -> Html:
        """Return the title block: year, number of sites, selection and grid."""
        subtitle = self._t("pr_subtitle", sites=self._sites(self.reporting), year=str(self.year))
        selection = ""
        if self.reporting < self.total_sites:
            selection = self._t("pr_selection", sites=self._sites(self.reporting), total=self.total_sites)
        grid = self._t("grid", grid=self.grid.name(self.lang))
        return render("portfolio_header", title=self.title, subtitle=subtitle, selection=selection, grid=grid)

    def summary(self) -> Html:
        """Return the year at a glance: sites reporting, new and missing since the previous year, widest effect."""
        table = self.tables["sites_reporting"]
        year, previous = str(self.year), self.previous
        sentences = [self._t("pr_reporting", form=self.reporting, count=self.reporting, year=year)]
        lists = []
        if previous is None:
            sentences.append(self._t("pr_first_year", year=year))
        else:
            continuing = int((table["status"] == "continuing").sum())
            sentences.append(self._t("pr_continuing", form=continuing, count=continuing, previous=str(previous)))
            for status in ("new", "missing"):
                sites = list(table.loc[table["status"] == status, "site"])
                if sites:
                    heading = self._t(
                        f"pr_{status}", form=len(sites), count=len(sites), previous=str(previous), year=year
                    )
                    show = self._t("pr_show_list", count=len(sites))
                    lists.append((heading, [self._name(s) for s in sites], show))
        shares = self.tables["effect_shares"]
        now = shares[shares["year"] == self.year]
        if len(now) and now["observed"].max() > 0:
            widest = now.iloc[int(now["share"].to_numpy().argmax())]
            sentences.append(
                self._t(
                    "pr_widest",
                    criterion=self._label(widest["criterion"]),
                    share=pft.percent(widest["share"], self.lang),
                )
            )
        return render(
            "portfolio_summary", title=self.words["summary"], sentences=sentences, lists=lists, fold=_FOLD_LIST
        )

    def _section(self, anchor: str, title: str, intro: Sequence[str], parts: Sequence[Html]) -> Html:
        return render("portfolio_section", anchor=anchor, title=title, intro=intro, parts=parts)

    def effects(self) -> Html:
        """Return, per criterion, the share of sites with an observed effect, this year and the years before."""
        shares = self.tables["effect_shares"]
        years = sorted(int(y) for y in shares["year"].unique())
        counts = shares.drop_duplicates("year").set_index("year")["sites"]
        intro = self._t("pr_effects_intro", years=join([str(y) for y in years], "and", self.lang))
        bases = [
            fill_text(self.words["pair"], {"label": str(y), "values": self._sites(int(counts[y]))}, self.lang)
            for y in years
        ]
        caption = self._t("pr_caption_shares", counts=join(bases, "comma", self.lang))
        alt = pfc.effect_share_alt(shares, self.grid, lang=self.lang)
        figure = self._figure("effects", alt, caption, pft.effect_shares_data(shares, self.grid, self.lang))
        return self._section("ik-effects", self.words["pr_effects"], [intro], [figure])

    def publics(self) -> Html:
        """Return which publics took part in which criteria, in how many sites (a coloured table)."""
        reach = self.tables["publics_reach"]
        intro = [self._t("pr_publics_intro")]
        if not reach["sites"].any():
            text = fill_text(self.words["pf_alt_publics_empty"], {"year": str(self.year)}, self.lang)
            return self._section("ik-publics", self.words["pr_publics"], intro, [render("no_chart", text=text)])
        alt = pfc.publics_heatmap_alt(reach, self.grid, sites=self.reporting, year=self.year, lang=self.lang)
        caption = self._t("pr_caption_publics", sites=self.reporting, year=str(self.year))
        figure = self._figure("publics", alt, caption, pft.publics_data(reach, self.grid, self.lang))
        return self._section("ik-publics", self.words["pr_publics"], intro, [figure])

    def intensity(self) -> Html:
        """Return the intensity per level across sites (a distribution) and its change since the previous year."""
        year, previous = str(self.year), self.previous
        dist = self.tables["intensity_distribution"]
        alt = pfc.intensity_distribution_alt(dist, self.grid, year=self.year, lang=self.lang)
        caption = self._t("pr_caption_intensity", sites=self._sites(self.reporting), year=year)
        parts = [self._figure("intensity", alt, caption, pft.intensity_data(dist, self.grid, self.lang))]
        change = self.tables["intensity_change"]
        if previous is None:
            parts.append(render("no_chart", text=self._t("pr_no_previous", year=year)))
        elif not change["sites"].any():
            text = fill_text(self.words["pf_alt_change_empty"], {"previous": previous, "year": self.year}, self.lang)
            parts.append(render("no_chart", text=text))
        else:
            alt = pfc.intensity_change_alt(change, self.grid, previous=previous, year=self.year, lang=self.lang)
            caption = self._t("pr_caption_change", previous=str(previous), year=year)
            parts.append(self._figure("change", alt, caption, pft.change_data(change, self.grid, self.lang)))
        return self._section("ik-intensity", self.words["pr_intensity"], [self._t("pr_intensity_intro")], parts)

    def movers(self) -> Html:
        """Return the sites whose number of criteria with an observed effect grew or shrank most."""
        year, previous = str(self.year), self.previous
        title = self.words["pr_movers"]
        if previous is None:
            return self._section(
                "ik-movers", title, [], [render("no_chart", text=self._t("pr_no_previous", year=year))]
            )
        movers = self.tables["effect_movers"]
        intro = [self._t("pr_movers_intro", previous=str(previous), year=year, top=self.top)]
        if movers.empty:
            text = fill_text(self.words["pf_alt_movers_empty"], {"previous": previous, "year": self.year}, self.lang)
            return self._section("ik-movers", title, intro, [render("no_chart", text=text)])
        data = pft.movers_data(movers, previous=previous, year=self.year, name=self._name, lang=self.lang)
        alt = pfc.movers_alt(movers, previous=previous, year=self.year, lang=self.lang)
        caption = self._t("pr_caption_movers", previous=str(previous), year=year)
        return self._section("ik-movers", title, intro, [self._figure("movers", alt, caption, data)])

    def testimonies(self) -> Html:
        """Return a few testimonies per criterion, chosen by the rule the section states, pseudonymised if asked."""
        picks = self.tables["testimony_picks"]
        year = str(self.year)
        intro = [self._t("pr_testimony_rule", year=year, count=self.per_criterion)]
        if self.pseudonymise:
            intro.append(self._t("pr_pseudonymised"))
        groups = []
        for criterion, part in picks.groupby("criterion", sort=False):
            label = self._label(str(criterion))
            quotes = []
            for site, text in part[["site", "text"]].itertuples(index=False):
                values = {"site": self._name(str(site)), "criterion": label, "year": year}
                caption = fill_text(self.words["pr_testimony_of"], values, self.lang)
                quotes.append(Markup(testimony_html(str(text), lang=self.lang, caption=caption)))
            groups.append((label, quotes))
        empty = self._t("pr_no_testimony", year=year)
        return render(
            "portfolio_testimonies", title=self.words["pr_testimonies"], intro=intro, groups=groups, empty=empty
        )

    def site_table(self) -> Html:
        """Return every site of the year with its key figures, its name linking to its own report when it exists."""
        cities = self.site_info["city"] if "city" in self.site_info else pd.Series(dtype="string")

        def head(site: str) -> Markup:
            return Markup(render("portfolio_link", href=self.link(site), text=self._name(site)))

        def city(site: str) -> str:
            value = cities.get(site)
            return str(value) if value is not None and pd.notna(value) else ""

        data = pft.sites_data(
            self.tables["site_table"], self.grid, previous=self.previous, head=head, city=city, lang=self.lang
        )
        intro = [self._t("pr_sites_intro", year=str(self.year))]
        return self._section("ik-sites", self.words["pr_sites"], intro, [render("portfolio_table", table=data)])

    def _drawing(self, name: str) -> tuple[Callable[[Axes], Axes], tuple[float, float]]:
        """How to draw chart ``name``, and the figure's size in inches."""
        t, grid, lang = self.tables, self.grid, self.lang
        previous = self.previous or self.year
        n_levels = len(self.grid.levels)
        shares = t["effect_shares"]
        n_years = max(shares["year"].nunique(), 1)
        drawings: dict[str, tuple[Callable[[Axes], Axes], tuple[float, float]]] = {
            "effects": (
                lambda ax: pfc.effect_share_chart(shares, grid, lang=lang, ax=ax),
                (8, 1.2 + shares["criterion"].nunique() * (0.2 + 0.1 * n_years)),
            ),
            "publics": (
                lambda ax: pfc.publics_heatmap(t["publics_reach"], grid, lang=lang, ax=ax),
                (8, 2.0 + 0.42 * t["publics_reach"]["public"].nunique()),
            ),
            "intensity": (
                lambda ax: pfc.intensity_distribution_chart(t["intensity_distribution"], grid, lang=lang, ax=ax),
                (8, 1.4 + 0.5 * n_levels),
            ),
            "change": (
                lambda ax: pfc.intensity_change_chart(t["intensity_change"], grid, previous=previous, lang=lang, ax=ax),
                (8, 1.4 + 0.5 * n_levels),
            ),
            "movers": (
                lambda ax: pfc.movers_chart(t["effect_movers"], previous=previous, lang=lang, ax=ax),
                (8, 1.2 + 0.32 * max(len(t["effect_movers"]), 1)),
            ),
        }
        if name not in drawings:
            raise NotFound(f"There is no chart {name!r}; use one of {list(PORTFOLIO_CHARTS)}.")
        return drawings[name]

    def plot(self, name: str, *, ax: Axes | None = None) -> Figure:
        """Draw one chart in the report's style and return its figure (its Axes is ``figure.axes[0]``).

        Parameters
        ----------
        name : str
            One of :data:`PORTFOLIO_CHARTS`.
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure of the report's size by default.

        Raises
        ------
        NotFound
            If there is no such chart.
        """
        draw, size = self._drawing(name)
        with charts.chart_style():
            if ax is None:
                import matplotlib.pyplot  # noqa: F401  (in Jupyter, registers how figures are displayed)

                figure = Figure(figsize=size, layout="constrained")
                ax = figure.add_subplot()
            draw(ax)
        return ax.get_figure()  # type: ignore[return-value]

    def _figure(self, name: str, alt: str, caption: str, data: pft.DataTable) -> Html:
        """One chart as an inline SVG image with its alt text, caption and data table."""
        buffer = io.BytesIO()
        with charts.chart_style():  # drawn in the style: ticks made at drawing time read it too
            self.plot(name).savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        svg = base64.b64encode(buffer.getvalue()).decode("ascii")
        return render(
            "portfolio_chart",
            name=name,
            svg=svg,
            alt=alt,
            caption=caption,
            data_label=self.words["pr_data"],
            table=data,
        )

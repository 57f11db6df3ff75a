"""The portfolio report of a year, section by section: what ``portfolio_report.ipynb``'s cells call.

``notebooks/portfolio_report.ipynb`` calls :meth:`PortfolioReport.load`, then one
method per cell: :meth:`~PortfolioReport.header`, :meth:`~PortfolioReport.summary`,
:meth:`~PortfolioReport.effects`, :meth:`~PortfolioReport.publics`,
:meth:`~PortfolioReport.intensity`, :meth:`~PortfolioReport.movers`,
:meth:`~PortfolioReport.testimonies`, :meth:`~PortfolioReport.site_table`. Each returns
:class:`~impact_kit.render.markup.Html` rendered from a ``portfolio_*`` template of
``impact_kit/templates/sections`` (autoescaped). The data comes from
:mod:`impact_kit.indicators.table` and :mod:`impact_kit.indicators.portfolio`; every chart is
an inline SVG image with its alt text, a caption and its data in a ``<details>`` table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import pandas as pd
from markupsafe import Markup

from impact_kit.data.dataset import Dataset
from impact_kit.data.redactions import Name
from impact_kit.exceptions import NotFound
from impact_kit.files import relative_to_cwd, resolve_data
from impact_kit.grid.file import user_grid_file
from impact_kit.grid.model import Grid
from impact_kit.indicators.portfolio import portfolio_sections, previous_year
from impact_kit.indicators.response import effect_panel, number_totals, programme_response
from impact_kit.indicators.table import indicator_table, write_indicators_csv
from impact_kit.render import data_tables as pft
from impact_kit.render.markup import Html, render
from impact_kit.render.value_labels import counted
from impact_kit.reports.charts import PORTFOLIO_CHART_SPECS as _CHARTS
from impact_kit.reports.kind import ChartSpec, ReportKind
from impact_kit.reports.lab import in_report_run
from impact_kit.reports.parameters import PORTFOLIO_NOTEBOOK
from impact_kit.reports.portfolio_brief import response_years_html, summary_html, watch_html
from impact_kit.text.method import portfolio_method
from impact_kit.text.testimonies import testimony_html
from impact_kit.words import DATA_LANG, UserText, join, marked

__all__ = ["PORTFOLIO_CHARTS", "PORTFOLIO_FOLDER", "RESPONSE_FILE", "PortfolioReport"]

#: The folder of the reports folder that holds the portfolio reports, one subfolder per year.
PORTFOLIO_FOLDER = "portfolio"
#: The portfolio's companion CSV: who answered each year (see :meth:`PortfolioReport.also_write`).
RESPONSE_FILE = "response.csv"


#: The charts :meth:`PortfolioReport.plot` draws, in the report's order.
PORTFOLIO_CHARTS = tuple(_CHARTS)


@dataclass(repr=False)
class PortfolioReport(ReportKind):
    """The portfolio report of one year: every site observed that year, with the earlier years for trends.

    Attributes
    ----------
    indicators : pandas.DataFrame
        :func:`impact_kit.indicators.table.indicator_table` of the selected sites, for every year up
        to ``year``: what ``indicators.csv`` holds.
    tables : dict of pandas.DataFrame
        Each section's data (:func:`impact_kit.indicators.portfolio.portfolio_sections`), with
        ``programme_response`` (:func:`impact_kit.indicators.response.programme_response`: what
        ``response.csv`` holds) and ``number_totals`` (:func:`impact_kit.indicators.response.number_totals`).
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
    #: The site ids the report was asked for (empty: every site).
    selection: tuple[str, ...] = ()
    #: The programme: the sites of ``sites.csv``, or the selection (empty: the sites of ``site_info``).
    programme: tuple[str, ...] = ()
    #: The validated data, for the names of ``redact.csv`` when pseudonymised.
    dataset: Dataset | None = field(default=None, compare=False)
    #: Figure numbers given so far, by chart name, in the order the charts were first shown.
    figure_numbers: dict[str, int] = field(default_factory=dict, init=False, compare=False)
    _names_of: dict[str, tuple[Name, ...]] = field(default_factory=dict, init=False, compare=False)

    CHARTS: ClassVar[Mapping[str, ChartSpec]] = _CHARTS
    NOTEBOOK: ClassVar[Path] = PORTFOLIO_NOTEBOOK

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Each section's data, computed once when first asked for (see the class's attributes)."""
        tables = portfolio_sections(
            self.observations,
            self.indicators,
            self.grid,
            self.year,
            top=self.top,
            per_criterion=self.per_criterion,
        )
        names = self.site_info.get("name")
        programme = self.programme or tuple(self.site_info.index)
        tables["programme_response"] = programme_response(self.observations, programme, self.year, names=names)
        tables["number_totals"] = number_totals(self.observations, self.grid, self.year, previous=self.previous)
        tables["effect_panel"] = effect_panel(self.indicators, self.year, previous=self.previous)
        return tables

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
            Mask e-mail addresses, phone numbers and the names listed in ``redact.csv``
            in the testimonies quoted, as the site reports do.
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
        dataset = cls._dataset(data, grid, lang)
        the_grid = dataset.grid
        year = int(year)
        wanted = list(dict.fromkeys(str(s) for s in ([sites] if isinstance(sites, str) else sites or ())))
        for site in wanted:
            cls._site(dataset, site)
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
        programme = tuple(wanted) if wanted else tuple(str(s) for s in dataset.sites.index)
        info = dataset.sites.loc[dataset.sites.index.isin([*programme, *obs["site"].unique()])]
        return cls(
            year,
            the_grid,
            info,
            obs,
            table,
            lang,
            pseudonymise,
            reports,
            total,
            selection=tuple(wanted),
            programme=programme,
            dataset=dataset,
        )

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
    def title(self) -> str:
        """The report's title as plain text."""
        return self._text("pf_title", year=str(self.year))

    @cached_property
    def previous(self) -> int | None:
        """The latest earlier year in which any selected site was observed, if any."""
        return previous_year(self.indicators, self.year)

    @property
    def reporting(self) -> int:
        """How many sites were observed in the report's year."""
        return int((self.tables["sites_reporting"]["status"] != "missing").sum())

    def _sites(self, count: int) -> str:
        return self._text("pf_sites", form=count, count=count)

    def _name(self, site: str) -> str:
        name = self.site_info["name"].get(site) if "name" in self.site_info else None
        return str(name) if name is not None and pd.notna(name) and str(name) else site

    def marked_name(self, site: str) -> Markup:
        """Return a site's name as escaped HTML, marked as the data's (``<span class="ik-user">``)."""
        return Markup(marked(UserText(self._name(site), DATA_LANG), self.lang))

    def _label(self, item: str) -> str:
        return pft.label(self.grid, item, self.lang)

    def link(self, site: str) -> str | None:
        """Return the relative link to ``site``'s report of the year, if that file exists.

        From the portfolio page (and its ``report.ipynb``) in a run of the kit's; from the
        kernel's folder in JupyterLab, which resolves a link from the notebook's folder (a
        link from the page's folder went nowhere there: a silent 404).
        """
        page = None if self.out is None else self.out / site / str(self.year) / "report.html"
        if page is None or not page.is_file():
            return None
        if not in_report_run():
            return quote(Path(os.path.relpath(page, Path.cwd())).as_posix())
        return f"../../{quote(site)}/{self.year}/report.html"

    def header(self) -> Html:
        """Return the title block: year, number of sites, selection and grid."""
        subtitle = self._t("pf_subtitle", sites=self._sites(self.reporting), year=str(self.year))
        selection = ""
        if self.reporting < self.total_sites:
            selection = self._t("pf_selection", sites=self._sites(self.reporting), total=self.total_sites)
        grid = self._t("grid", grid=self.grid.name(self.lang))
        block = render("portfolio_header", title=self.title, subtitle=subtitle, selection=selection, grid=grid)
        return Html(str(block) + str(self.pseudonymisation_note()), name="header")

    def summary(self) -> Html:
        """Return *En bref* (who answered, the year's totals, the widest effect, the sites to watch), then the sites."""
        return summary_html(self)

    def watch(self) -> Html:
        """Return the sites to watch with their evidence (see :func:`impact_kit.reports.portfolio_brief.watch_html`)."""
        return watch_html(self)

    def method(self) -> Html:
        """Return *Méthode et limites*: who answered, what an unanswered question means, which sites each year holds.

        The table of each year's response is in :meth:`site_table`, with the other tables of sites.
        """
        shares = self.tables["effect_shares"].drop_duplicates("year")
        counts = [(int(y), int(n)) for y, n in zip(shares["year"], shares["sites"], strict=True)]
        sentences = portfolio_method(
            self.grid,
            self.lang,
            counts=counts,
            reporting=self.reporting,
            programme=len(self.programme) or None,
            compared=self.previous is not None,
            totals=not self.tables["number_totals"].empty,
        )
        sentences_html = [Markup(s) for s in sentences]
        return render("method", title=self.words["method"], sentences=sentences_html)

    def _section(self, anchor: str, title: str, intro: Sequence[str], parts: Sequence[Html | Markup]) -> Html:
        return render("portfolio_section", anchor=anchor, title=title, intro=intro, parts=parts)

    def _shares_caption(self, shares: pd.DataFrame) -> str:
        years = sorted(int(y) for y in shares["year"].unique())
        counts = shares.drop_duplicates("year").set_index("year")["sites"]
        bases = [self._text("pair", label=str(y), values=self._sites(int(counts[y]))) for y in years]
        key = "pf_caption_counts" if counted(counts.min()) else "pf_caption_shares"
        return self._text(key, counts=join(bases, "comma", self.lang))

    def effects(self) -> Html:
        """Return, per criterion, the share of sites with an observed effect, this year and the years before."""
        shares = self.tables["effect_shares"]
        years = sorted(int(y) for y in shares["year"].unique())
        panel = self.tables["effect_panel"]
        size = int(panel["sites"].iloc[0]) if len(panel) else 0
        said = {"previous": str(self.previous), "year": str(self.year)}
        compared = self._text("pf_panel", form=size, count=size, **said) if size else ""
        intro = self._t("pf_effects_intro", years=join([str(y) for y in years], "and", self.lang), panel=compared)
        return self._section("ik-effects", self.words["pf_effects"], [intro], [self.chart("effects")])

    def publics(self) -> Html:
        """Return which publics took part in which criteria, in how many sites (a coloured table)."""
        intro = [self._t("pf_publics_intro")]
        if not self._spec("publics").has_data(self.tables["publics_reach"]):
            text = self._text("pf_alt_publics_empty", year=str(self.year))
            return self._section("ik-publics", self.words["pf_publics"], intro, [render("no_chart", text=text)])
        return self._section("ik-publics", self.words["pf_publics"], intro, [self.chart("publics")])

    def intensity(self) -> Html:
        """Return the intensity per level across sites (a distribution) and its change since the previous year."""
        year, previous = str(self.year), self.previous
        parts = [self.chart("intensity")]
        if previous is None:
            parts.append(render("no_chart", text=self._t("pf_no_previous", year=year)))
        elif not self._spec("change").has_data(self.tables["intensity_change"]):
            parts.append(render("no_chart", text=self._text("pf_alt_change_empty", previous=previous, year=self.year)))
        else:
            parts.append(self.chart("change"))
        return self._section("ik-intensity", self.words["pf_intensity"], [self._t("pf_intensity_intro")], parts)

    def movers(self) -> Html:
        """Return the sites whose number of criteria with an observed effect grew or shrank most."""
        year, previous = str(self.year), self.previous
        title = self.words["pf_movers"]
        if previous is None:
            return self._section(
                "ik-movers", title, [], [render("no_chart", text=self._t("pf_no_previous", year=year))]
            )
        both = int(self.tables["effect_panel"]["sites"].max()) if len(self.tables["effect_panel"]) else 0
        top = self._text("pf_movers_top", top=self.top) if both > self.top else ""
        intro = [self._t("pf_movers_intro", form=both, count=both, previous=str(previous), year=year, top=top)]
        if self.tables["effect_movers"].empty:
            text = self._text("pf_alt_movers_empty", previous=previous, year=self.year)
            return self._section("ik-movers", title, intro, [render("no_chart", text=text)])
        return self._section("ik-movers", title, intro, [self.chart("movers")])

    def testimonies(self) -> Html:
        """Return a few testimonies per criterion, chosen by the rule the section states, pseudonymised if asked."""
        picks = self.tables["testimony_picks"]
        year = str(self.year)
        intro = [self._t("pf_testimony_rule", year=year, count=self.per_criterion)]
        groups = []
        for criterion, part in picks.groupby("criterion", sort=False):
            label = self._label(str(criterion))
            quotes = []
            for site, text in part[["site", "text"]].itertuples(index=False):
                caption = self._t(
                    "pf_testimony_of", site=UserText(self._name(str(site)), DATA_LANG), criterion=label, year=year
                )
                shown = self.shown_text(str(text), str(site))
                quotes.append(Markup(testimony_html(shown, lang=self.lang, caption=caption, words=self.words)))
            groups.append((label, quotes))
        empty = self._t("pf_no_testimony", year=year)
        return render(
            "portfolio_testimonies", title=self.words["pf_testimonies"], intro=intro, groups=groups, empty=empty
        )

    def export(self, *, pdf: bool = False, docx: bool = False, docx_template: str | Path | None = None) -> Any:
        """Write this portfolio from Lab as `impact-kit portfolio YEAR` does (see `reports.lab.export_portfolio`)."""
        from impact_kit.reports.lab import export_portfolio

        return export_portfolio(self, pdf=pdf, docx=docx, docx_template=docx_template)

    def site_table(self) -> Html:
        """Return the programme's response year by year, then every site of the year with its key figures.

        A site's name links to its own report when it exists. Both tables close the report, in print on
        landscape pages of their own: the response table, short, used to end the portrait text alone on a
        page (portfolio 2022, 11 % of a page, issue 28).
        """
        cities = self.site_info["city"] if "city" in self.site_info else pd.Series(dtype="string")

        def head(site: str) -> Markup:
            return Markup(render("portfolio_link", href=self.link(site), text=self._name(site)))

        def city(site: str) -> str:  # the data's words, marked as such (a city is no word of the kit's)
            value = cities.get(site)
            return (
                Markup(marked(UserText(str(value), DATA_LANG), self.lang))
                if value is not None and pd.notna(value)
                else ""
            )

        data = pft.sites_data(
            self.tables["site_table"], self.grid, previous=self.previous, head=head, city=city, lang=self.lang
        )
        intro = Markup("<p>") + self._t("pf_sites_intro", year=str(self.year)) + Markup("</p>")
        parts: list[Html | Markup] = [response_years_html(self), intro, render("portfolio_table", table=data)]
        return self._section("ik-sites", self.words["pf_all_sites"], [], parts)

    def _file_stem(self) -> str:
        return f"portfolio-{self.year}"

    def names_of(self, site: str) -> tuple[Name, ...]:
        """Return the names ``redact.csv`` lists for ``site``'s testimonies (read once per site)."""
        if site not in self._names_of:
            self._names_of[site] = self._names(self.dataset, site) if self.dataset is not None else ()
        return self._names_of[site]

    def target(self, out: str | Path) -> Path:
        """Return ``<out>/portfolio/<year>``, the folder of this report's files."""
        return Path(out) / PORTFOLIO_FOLDER / str(self.year)

    @property
    def label(self) -> str:
        """How messages name this report: "portfolio <year>"."""
        return f"portfolio {self.year}"

    def parameters(self, data: Path, out: Path) -> dict[str, Any]:
        """Return the portfolio notebook's parameters, with paths relative to the working directory.

        The executed notebook records them: relative paths let it run again from the same
        place in another checkout or on another machine.
        """
        own = user_grid_file(self.grid)
        return {
            "year": self.year,
            "data": relative_to_cwd(data),
            "grid": relative_to_cwd(own) if own else "",
            "lang": self.lang,
            "pseudonymise": self.pseudonymise,
            "sites": list(self.selection),
            # No folder, no site reports to link to: "" rather than a path the notebook would look for in parents.
            "out": relative_to_cwd(out) if out.is_dir() else "",
        }

    def also_write(self, folder: Path) -> None:
        """Write ``indicators.csv`` (the indicator table of the report's sites) and ``response.csv`` in ``folder``.

        ``response.csv``: one row per programme site and year, whether it answered, its status
        (``answered``, ``new``, ``stopped``, ``never``) and the first and last year it answered.
        """
        write_indicators_csv(self.indicators, self.indicators_file(folder))
        write_indicators_csv(self.tables["programme_response"], folder / RESPONSE_FILE)  # the same safe CSV writer

    def indicators_file(self, target: Path) -> Path:
        """Return ``<target>/indicators.csv``, where the portfolio's indicator table goes."""
        return target / "indicators.csv"

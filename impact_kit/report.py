"""A site's report for one year: the sections the master notebook displays.

``notebooks/site_report.ipynb`` calls :meth:`SiteReport.load`, then one method per
section (:meth:`~SiteReport.header`, :meth:`~SiteReport.summary`, ...). Each method
returns :class:`Html`, which Jupyter displays and nbconvert exports as is.
"""

from __future__ import annotations

import base64
import difflib
import html
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from impact_kit import charts, indicators
from impact_kit.exceptions import ImpactKitError
from impact_kit.grid import Criterion, Grid, Level, default_grid
from impact_kit.indicators import Answers
from impact_kit.narrative import (
    changes_statements,
    criterion_statements,
    fill,
    level_statements,
    summary_statements,
    texts,
)
from impact_kit.observations import load_observations, load_sites, select_site
from impact_kit.testimonies import pseudonymise as mask_contacts
from impact_kit.testimonies import testimony_html

__all__ = ["Html", "NotFound", "SiteReport", "figure_html", "project_path"]


class NotFound(ImpactKitError):
    """Raised when the site or the year asked for is not in the data."""


class Html:
    """A piece of report HTML that Jupyter displays (``_repr_html_``) and ``str()`` returns."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return f"<Html: {len(self.markup)} characters>"


def project_path(path: str | Path) -> Path:
    """Resolve a relative path from the working directory or, failing that, from its parents.

    The master notebook runs with ``notebooks/`` as its working directory in
    JupyterLab and from the project root under papermill: ``data`` works in both.
    """
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    for parent in Path.cwd().resolve().parents:
        if (parent / path).exists():
            return parent / path
    return path


def figure_html(figure: Figure, alt: str) -> str:
    """Return a figure as an inline SVG image with its alt text (no file, no network)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt_text = html.escape(alt, quote=True)
    return f'<figure class="ik-chart"><img src="data:image/svg+xml;base64,{data}" alt="{alt_text}"></figure>'


@dataclass
class SiteReport:
    """The report of one site for one year, with the site's earlier years for comparison."""

    site: str
    year: int
    grid: Grid
    info: pd.Series
    years: dict[int, Answers]
    lang: str = "fr"
    pseudonymise: bool = False

    @property
    def words(self) -> Mapping[str, Any]:
        """The report's own words in its language (see ``impact_kit/texts.yaml``)."""
        return texts(self.lang)

    @property
    def title(self) -> str:
        """The report's title as plain text: "Effets sociaux et urbains de <site name>"."""
        return self.words["title"].format(name=self.info["name"])

    @classmethod
    def load(
        cls,
        site: str,
        year: int,
        *,
        data: str | Path = "data",
        lang: str = "fr",
        pseudonymise: bool = False,
        grid: Grid | None = None,
    ) -> SiteReport:
        """Read and validate the data folder, and keep this site's years up to ``year``.

        Raises
        ------
        InvalidData
            If the data folder does not validate.
        NotFound
            If the site is not in ``sites.csv`` or has no observations for ``year``.
        ValueError
            If ``lang`` is not a language of the grid.
        """
        grid = grid or default_grid()
        grid.check_lang(lang)
        folder = project_path(data)
        sites = load_sites(folder)
        site, year = str(site), int(year)
        if site not in sites.index:
            close = difflib.get_close_matches(site, list(sites.index), n=3)
            hint = (
                f"Did you mean {' or '.join(map(repr, close))}?" if close else "Run `impact-kit validate` to list them."
            )
            raise NotFound(f"{folder / 'sites.csv'} has no site {site!r}. {hint}")
        observations = select_site(load_observations(folder, grid=grid, sites=sites), site)
        years = indicators.answers_by_year(observations[observations["year"] <= year])
        if year not in years:
            have = ", ".join(map(str, sorted(observations["year"].unique()))) or "none"
            raise NotFound(f"{folder} has no observations of {site!r} for {year}. Its years: {have}.")
        return cls(site, year, grid, sites.loc[site], years, lang, pseudonymise)

    @property
    def answers(self) -> Answers:
        """Answers of the report's year: ``{criterion or level id: {question id: [values]}}``."""
        return self.years[self.year]

    @property
    def previous(self) -> int | None:
        """The latest earlier year with observations, if any."""
        earlier = [y for y in self.years if y < self.year]
        return max(earlier) if earlier else None

    def _t(self, key: str, **values: object) -> str:
        return fill(self.words[key], {k: str(v) for k, v in values.items()}, self.lang)

    def header(self) -> Html:
        """Return the title block: site name, place, year, grid."""
        info = self.info
        place = " ".join(p for p in (info["city"], info["postcode"] and f"({info['postcode']})") if p)
        subtitle = self._t("subtitle", place=place, year=self.year) if place else str(self.year)
        return Html(
            '<header class="ik-header">'
            f"<h1>{html.escape(self.title, quote=False)}</h1>"
            f'<p class="ik-subtitle">{subtitle}</p>'
            f'<p class="ik-grid">{self._t("grid", grid=self.grid.name(self.lang))}</p>'
            "</header>"
        )

    def _shown(self, criterion: Criterion) -> bool:
        return bool(self.answers.get(criterion.id)) or criterion.always_shown

    def contents(self) -> Html:
        """Return the table of contents: summary, changes, charts, then levels and their criteria."""
        items = [
            ("ik-summary", self.words["summary"], []),
            ("ik-changes", self._changes_title(), []),
            ("ik-charts", self.words["charts"], []),
        ]
        for level in self.grid.levels:
            criteria = [(f"criterion-{c.id}", c.label(self.lang)) for c in level.criteria if self._shown(c)]
            items.append((f"level-{level.id}", level.label(self.lang), criteria))
        out = []
        for anchor, title, children in items:
            sub = "".join(f'<li><a href="#{a}">{html.escape(t)}</a></li>' for a, t in children)
            out.append(
                f'<li><a href="#{anchor}">{html.escape(title)}</a>' + (f"<ol>{sub}</ol>" if sub else "") + "</li>"
            )
        title = html.escape(self.words["contents"])
        return Html(f'<nav class="ik-toc" aria-label="{title}"><h2>{title}</h2><ol>{"".join(out)}</ol></nav>')

    def summary(self) -> Html:
        """Return the year at a glance: criteria with effects, publics most involved, intensities."""
        statements = summary_statements(self.grid, self.answers, self.year, self.lang)
        body = "".join(s.to_html() for s in statements)
        return Html(f'<section id="ik-summary" class="ik-summary"><h2>{self._t("summary")}</h2>{body}</section>')

    def _changes_title(self) -> str:
        return self.words["changes"].format(year=self.previous) if self.previous else self.words["first_year"]

    def changes(self) -> Html:
        """Return what changed since the previous year (or a note that this is the first year)."""
        title = html.escape(self._changes_title())
        if self.previous is None:
            body = f"<p>{self._t('first_year_text', year=self.year)}</p>"
        else:
            found = indicators.changes_between(
                self.grid,
                self.years[self.previous],
                self.answers,
                previous=self.previous,
                year=self.year,
                lang=self.lang,
            )
            body = "".join(s.to_html() for s in changes_statements(found, self.lang))
        return Html(f'<section id="ik-changes" class="ik-changes"><h2>{title}</h2>{body}</section>')

    def charts(self) -> Html:
        """Return the charts: intensity over the years, publics x criteria, effects per level, coverage."""
        lang, grid = self.lang, self.grid
        intensity = indicators.intensity_table(grid, self.years, lang)
        matrix = indicators.publics_matrix(grid, self.answers, lang)
        effects = indicators.effects_table(grid, self.years, lang)
        coverage = indicators.coverage_table(grid, self.answers, lang)
        # (size in inches, chart, table, alt text); a chart with nothing to show is left out.
        specs = [
            ((7, 3.6), charts.intensity_chart, intensity, charts.intensity_alt(intensity, lang=lang))
            if intensity.notna().any().any()
            else None,
            (
                (7, 1.6 + 0.42 * len(matrix)),
                charts.publics_chart,
                matrix,
                charts.publics_alt(matrix, year=self.year, lang=lang),
            )
            if not matrix.empty
            else None,
            ((7, 3.2), charts.effects_chart, effects, charts.effects_alt(effects, lang=lang)),
            (
                (7, 1.2 + 0.36 * len(coverage)),
                charts.coverage_chart,
                coverage,
                charts.coverage_alt(coverage, year=self.year, lang=lang),
            ),
        ]
        with charts.chart_style():
            figures = [self._figure(*spec) for spec in specs if spec is not None]
        body = "".join(figures)
        return Html(f'<section id="ik-charts" class="ik-charts"><h2>{self._t("charts")}</h2>{body}</section>')

    def _figure(self, size: tuple[float, float], draw, table: pd.DataFrame, alt: str) -> str:  # type: ignore[no-untyped-def]
        figure = Figure(figsize=size, layout="constrained")
        draw(table, lang=self.lang, ax=figure.add_subplot())
        return figure_html(figure, alt)

    def levels(self) -> Html:
        """Every level: its intensity and keywords, then each criterion's sentences and testimonies."""
        return Html("".join(self._level(level) for level in self.grid.levels))

    def _level(self, level: Level) -> str:
        intro = "".join(s.to_html() for s in level_statements(level, self.answers.get(level.id, {}), self.lang))
        criteria = "".join(self._criterion(c) for c in level.criteria if self._shown(c))
        if not intro and not criteria:
            criteria = f'<p class="ik-empty">{self._t("level_empty", year=self.year)}</p>'
        title = html.escape(level.label(self.lang))
        return (
            f'<section id="level-{level.id}" class="ik-level"><h2>{title}</h2>'
            f'<div class="ik-level-intro">{intro}</div>{criteria}</section>'
        )

    def _criterion(self, criterion: Criterion) -> str:
        answers = self.answers.get(criterion.id, {})
        body = "".join(s.to_html() for s in criterion_statements(criterion, answers, self.lang))
        caption = self.words["testimony_of"].format(criterion=criterion.label(self.lang), year=self.year)
        for text in answers.get("testimony", []):
            shown = mask_contacts(text, self.lang) if self.pseudonymise else text
            body += testimony_html(shown, lang=self.lang, caption=caption)
        if not body:
            body = f'<p class="ik-empty">{self._t("no_answer", year=self.year)}</p>'
        title = html.escape(criterion.label(self.lang))
        return f'<section id="criterion-{criterion.id}" class="ik-criterion"><h3>{title}</h3>{body}</section>'

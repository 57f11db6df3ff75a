"""A site's report for one year, section by section: what the master notebook's cells call.

``notebooks/site_report.ipynb`` calls :meth:`SiteReport.load`, then one method per
cell: :meth:`~SiteReport.header`, :meth:`~SiteReport.summary`,
:meth:`~SiteReport.changes`, :meth:`~SiteReport.chart` (one chart),
:meth:`~SiteReport.level` (one level). Each returns :class:`~impact_kit.render.markup.Html`,
rendered from a template of ``impact_kit/templates/sections``, which Jupyter displays
and nbconvert exports as is. :meth:`~SiteReport.plot` draws a chart on its own, in the
report's style, for exploring.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from markupsafe import Markup

from impact_kit.data.dataset import Dataset
from impact_kit.data.explore import labelled_observations
from impact_kit.data.observations import select_site, select_site_year
from impact_kit.data.redactions import Name
from impact_kit.exceptions import NotFound
from impact_kit.files import relative_to_cwd
from impact_kit.grid.file import user_grid_file
from impact_kit.grid.model import Criterion, Grid, Level
from impact_kit.indicators import site as indicators
from impact_kit.indicators.attention import attention_points
from impact_kit.indicators.programme import MIN_SITES, Programme, programme_of
from impact_kit.indicators.site import Answers
from impact_kit.render.markup import Html, render
from impact_kit.reports.charts import SITE_CHART_SPECS as CHARTS
from impact_kit.reports.kind import NARROW_WIDTH, ChartSpec, ReportKind
from impact_kit.reports.lab import in_report_run
from impact_kit.reports.parameters import SITE_NOTEBOOK
from impact_kit.text.attention import attention_intro, say_points
from impact_kit.text.changes import changes_statements
from impact_kit.text.masking import KINDS, redact
from impact_kit.text.method import site_method
from impact_kit.text.narrative import (
    Statement,
    criterion_statements,
    level_statements,
    programme_level_statements,
    quoted,
)
from impact_kit.text.summary import summary_sentences
from impact_kit.text.testimonies import is_extract, testimony_html
from impact_kit.words import DATA_LANG, UserText, fill_text, named_title, of_name

__all__ = ["CHARTS", "NARROW_WIDTH", "ChartSpec", "SiteReport"]


def _markup(statements: Sequence[Statement]) -> list[tuple[Markup, list[Markup]]]:
    """Statements are escaped HTML already (see :mod:`impact_kit.text.narrative`): mark them safe for the templates."""
    return [(Markup(s.html), [Markup(i) for i in s.items]) for s in statements]


@dataclass(repr=False)
class SiteReport(ReportKind):
    """The report of one site for one year, with the site's earlier years for comparison."""

    CHARTS: ClassVar[Mapping[str, ChartSpec]] = CHARTS
    NOTEBOOK: ClassVar[Path] = SITE_NOTEBOOK

    site: str
    year: int
    grid: Grid
    info: pd.Series
    years: dict[int, Answers]
    lang: str = "fr"
    pseudonymise: bool = False
    #: The other sites of the data folder, to place this one among them (None: not compared).
    programme: Programme | None = None
    #: The names to mask in this site's testimonies when pseudonymised (``data/redact.csv``).
    names: tuple[Name, ...] = ()
    #: Figure numbers given so far, by chart name, in the order the charts were first shown.
    figure_numbers: dict[str, int] = field(default_factory=dict, init=False, compare=False)
    #: The validated data folder it was loaded from (:attr:`observations` and :meth:`export` use it).
    dataset: Dataset | None = field(default=None, compare=False)

    @classmethod
    def load(
        cls,
        site: str,
        year: int,
        *,
        data: str | Path | Dataset = "data",
        grid: Grid | str | Path | None = None,
        lang: str = "fr",
        pseudonymise: bool = False,
        programme: bool = True,
    ) -> SiteReport:
        """Read and validate the data folder (once per process), and keep this site's years up to ``year``.

        Parameters
        ----------
        site, year : str, int
            The site id (of ``sites.csv``) and the year of the report.
        data : str, Path or Dataset
            The data folder (a relative path is found from here or a parent folder), or
            tables already validated.
        grid : Grid, str or Path, optional
            The grid or a grid file; the Commune Mesure grid by default.
        lang : str
            The report's language, one of the grid's.
        pseudonymise : bool
            Mask e-mail addresses, phone numbers and the names listed in ``redact.csv`` in testimonies.
        programme : bool
            Place the site among the data folder's sites of the same year (when there are
            at least :data:`impact_kit.indicators.programme.MIN_SITES`); computed once per folder and process.

        Raises
        ------
        InvalidData
            If the data folder does not validate.
        NotFound
            If the site is not in ``sites.csv`` or has no observations for ``year``.
        InvalidArgument
            If ``lang`` is not a language of the grid.
        """
        dataset = cls._dataset(data, grid, lang)
        the_grid = dataset.grid
        site, year = cls._site(dataset, site), int(year)
        observations = select_site(dataset.observations, site)
        years = indicators.answers_by_year(observations[observations["year"] <= year])
        if year not in years:
            have = ", ".join(map(str, sorted(observations["year"].unique()))) or "none"
            raise NotFound(f"{dataset.folder} has no observations of {site!r} for {year}. Its years: {have}.")
        info: pd.Series = dataset.sites.loc[site]  # type: ignore[assignment]  # one row: the index is unique
        placed = programme_of(dataset) if programme else None
        names = cls._names(dataset, site) if pseudonymise else ()
        return cls(site, year, the_grid, info, years, lang, pseudonymise, placed, names, dataset=dataset)

    def __repr__(self) -> str:
        observed = len(indicators.observed_criteria(self.grid, self.answers))  # positive effects
        earlier = ", ".join(str(y) for y in self.years if y < self.year) or "none"
        return (
            f"<SiteReport {self.site!r} {self.year} ({self.lang}): {self.info['name']}, {self.info['city']}>\n"
            f"  {observed} of {len(self.grid.criteria)} criteria with positive effects; earlier years: {earlier}\n"
            f"  sections: header(), summary() (with attention()), changes(), heading('charts'), "
            f"chart(name) for name in {list(CHARTS)}, level(id) for id in {[lv.id for lv in self.grid.levels]}"
        )

    @property
    def title(self) -> str:
        """The report's title as plain text: "Effets sociaux et urbains de <site name>"."""
        return fill_text(self.words["title"], {"of_name": of_name(str(self.info["name"]), self.lang)}, self.lang)

    @property
    def page_title(self) -> str:
        """The title of the page and PDF: "<title> · <year>"."""
        return f"{self.title} · {self.year}"

    def _file_stem(self) -> str:
        return f"{self.site}-{self.year}"

    def target(self, out: str | Path) -> Path:
        """Return ``<out>/<site>/<year>``, the folder of this report's files."""
        return Path(out) / self.site / str(self.year)

    @property
    def label(self) -> str:
        """How messages name this report: "<site> <year>"."""
        return f"{self.site} {self.year}"

    def parameters(self, data: Path, out: Path | None = None) -> dict[str, Any]:
        """Return the master notebook's parameters, with paths relative to the working directory.

        The executed notebook records them: relative paths let it run again from the same
        place in another checkout or on another machine.
        """
        return {
            "site": self.site,
            "year": self.year,
            "data": relative_to_cwd(data),
            "grid": relative_to_cwd(own) if (own := user_grid_file(self.grid)) else "",
            "lang": self.lang,
            "pseudonymise": self.pseudonymise,
        }

    def metadata(self) -> dict[str, Any]:
        """Return what ``report.ipynb`` records: whether it is pseudonymised and how much was masked."""
        return {
            "pseudonymised": self.pseudonymise,
            "redactions": self.redactions(),  # how many e-mails, phones and names were masked
        }

    @property
    def answers(self) -> Answers:
        """Answers of the report's year: ``{criterion or level id: {question id: [values]}}``."""
        return self.years[self.year]

    @cached_property
    def states(self) -> dict[str, str]:
        """Each criterion's state in the report's year (:func:`impact_kit.indicators.site.criterion_state`), once."""
        return indicators.criterion_states(self.grid, self.answers)

    @property
    def observations(self) -> pd.DataFrame:
        """The site-year's rows with the grid's words: ``year, level, criterion, question, answer`` and their ids."""
        if self.dataset is None:
            raise NotFound("This report was built without its data folder: load it with SiteReport.load().")
        rows = select_site_year(self.dataset.observations, self.site, self.year)
        return labelled_observations(self.grid, rows, self.lang)

    def export(
        self,
        *,
        pdf: bool = False,
        docx: bool = False,
        docx_template: str | Path | None = None,
        notebook: str | Path | None = None,
        out: str | Path | None = None,
    ) -> Any:
        """Write this report's ``report.html`` (and its PDF, its DOCX, if asked) from the notebook as last saved.

        What ``impact-kit report SITE YEAR --notebook FILE`` does, in a forked child of this
        kernel (no new Python, no new kernel: under a second once the kernel is warm): the
        page equals what ``impact-kit report`` and ``impact-kit batch`` write for that
        notebook. Save first; it warns when cells ran since the last save.

        Parameters
        ----------
        pdf : bool
            Also print ``report.pdf`` (needs Chromium or Chrome).
        docx, docx_template : bool, str or Path
            Also write ``report.docx`` (Word), in the kit's styles or a funder's template's.
        notebook : str or Path, optional
            The notebook to run; by default the one this JupyterLab (or VS Code) kernel
            belongs to. Elsewhere (papermill, a script) nothing is exported unless it is given.
        out : str or Path, optional
            The reports folder; ``reports`` beside the data folder by default.

        Returns
        -------
        Exported or None
            Links to the files written (shown by the cell); None when the kit itself runs
            the notebook (a batch), which exports nothing more, or no notebook is known.

        Raises
        ------
        ReportFailed
            If the report could not be written (the message says why).
        """
        from impact_kit.reports.lab import export_report

        if self.dataset is None:
            raise NotFound("This report was built without its data folder: load it with SiteReport.load().")
        return export_report(
            self.site, self.year, data=self.dataset.folder, notebook=notebook, out=out,
            grid=user_grid_file(self.grid), lang=self.lang, pseudonymise=self.pseudonymise, pdf=pdf, docx=docx,
            docx_template=Path(docx_template) if docx_template else None,
        )  # fmt: skip

    @property
    def previous(self) -> int | None:
        """The latest earlier year with observations, if any."""
        earlier = [y for y in self.years if y < self.year]
        return max(earlier) if earlier else None

    def header(self) -> Html:
        """Return the title block: site name, place, year, kind of place, grid (and the pseudonymisation note)."""
        info, data = self.info, DATA_LANG  # the name, the place and the kind are the data's words: marked
        place = UserText(" ".join(p for p in (info["city"], info["postcode"] and f"({info['postcode']})") if p), data)
        subtitle = self._t("subtitle", place=place, year=str(self.year)) if place else str(self.year)
        grid = self._t("grid", grid=self.grid.name(self.lang))
        kind = self._t("kind", kind=UserText(str(info["kind"]), data)) if str(info.get("kind") or "").strip() else ""
        title = Markup(named_title(self.words["title"], str(info["name"]), self.lang))
        block = render("header", title=title, subtitle=subtitle, grid=grid, kind=kind)
        return Html(str(block) + str(self.pseudonymisation_note()), name="header")

    def summary(self) -> Html:
        """Return *En bref* (three to five sentences, each criterion named once), then :meth:`attention`."""
        points = attention_points(self.grid, self.years, self.year)
        said = summary_sentences(
            self.grid, self.years, self.year, self.lang,
            points=points, programme=self.programme, shown=lambda text: self.shown_text(text, self.site),
        )  # fmt: skip
        block = render("summary", title=self.words["summary"], paragraph=Markup(said.html))
        return Html(str(block) + str(self.attention()), name="summary")

    def attention(self) -> Html:
        """Return the points of attention (negative effects, drops, lost effects), with the site's answers and texts.

        With nothing to report, one sentence says so.
        """
        points = attention_points(self.grid, self.years, self.year)
        shown = [
            {
                "headline": _markup([point.headline])[0],
                "statements": _markup(point.statements),
                "texts": [self._testimony(self.grid.criterion(c), q, t) for c, q, t in point.texts],  # type: ignore[arg-type]
            }
            for point in say_points(self.grid, points, self.years, self.year, self.lang)
        ]
        intro = attention_intro(self.grid, points, self.year, self.previous, self.lang)
        return render("attention", title=self.words["attention"], intro=Markup(intro.html), points=shown)

    def method(self) -> Html:
        """Return *Méthode et limites*: who answered, what an unanswered question means, what comparisons rest on."""
        unasked = [
            quoted(c.label(self.lang), self.lang) for c in self.grid.criteria if self.states[c.id] == "not_asked"
        ]
        sources = self.dataset.observations if self.dataset is not None else None
        files = [] if sources is None else sorted(set(select_site_year(sources, self.site, self.year)["source"]))
        sentences = site_method(
            self.grid, self.lang, year=self.year, minimum=MIN_SITES, files=files,
            sites=self.programme.sites.get(self.year, 0) if self.programme is not None else None,
            compared=self.programme is not None and self.programme.covers(self.year),
            not_asked=unasked,
        )  # fmt: skip
        return render("method", title=self.words["method"], sentences=[Markup(s) for s in sentences])

    def changes(self) -> Html:
        """Return what changed since the previous year (or a note that this is the first year)."""
        if self.previous is None:  # a first year is a clause of *En bref*, not a section
            return Html("", name="changes")
        found = indicators.changes_between(
            self.grid, self.years[self.previous], self.answers, previous=self.previous, year=self.year
        )
        title = fill_text(self.words["changes"], {"year": str(self.previous)}, self.lang)
        said = changes_statements(self.grid, found, self.lang)
        return render("changes", title=title, paragraphs=[(Markup(s.lead), Markup(s.html)) for s in said])

    def heading(self, name: str) -> Html:
        """Return the heading of a group of cells: ``"charts"`` ("En graphiques")."""
        headings = {"charts": ("ik-charts", self.words["charts"])}
        if name not in headings:
            raise NotFound(f"There is no heading {name!r}; use one of {list(headings)}.")
        anchor, title = headings[name]
        return render("heading", anchor=anchor, title=title)

    def names_of(self, site: str) -> tuple[Name, ...]:
        """Return the names ``redact.csv`` lists for ``site`` (this report's site only)."""
        return self.names if site == self.site else ()

    def redactions(self) -> dict[str, int]:
        """Return how many e-mails, phones and names the year's testimonies had masked (zeros if not pseudonymised)."""
        counts = dict.fromkeys(KINDS, 0)
        if self.pseudonymise:
            for criterion in self.grid.criteria:
                for text in self.answers.get(criterion.id, {}).get(self.grid.roles.testimony, []):
                    for kind, n in redact(text, lang=self.lang, names=self.names).counts.items():
                        counts[kind] += n
        return counts

    def _shown(self, criterion: Criterion) -> bool:
        unasked = self.states[criterion.id] == "not_asked" and not self._not_asked(criterion.level)
        return bool(self.answers.get(criterion.id)) or criterion.always_shown or unasked

    def _not_asked(self, level_id: str) -> bool:
        """Return True if the source did not ask any criterion of the level (the level then says so, once)."""
        level = self.grid.level(level_id)
        return level is not None and all(self.states[c.id] == "not_asked" for c in level.criteria)

    def level(self, level: str | int) -> Html:
        """Return one level: its intensity and keywords, then each criterion's sentences and testimonies.

        Parameters
        ----------
        level : str or int
            The level's id, or its place in the grid (1 for the first level), so that the
            master notebook names no level of any grid. A place after the grid's last level
            gives nothing (a grid with fewer levels) and, outside a report's run, names the
            levels there are on stderr (shown in the cell, never in the page).

        Raises
        ------
        NotFound
            If the grid has no level of that id (the message lists its levels).
        """
        if isinstance(level, int):
            levels = self.grid.levels
            if level < 1:
                raise NotFound(f"Levels are counted from 1; the grid {self.grid.id!r} has {len(levels)}.")
            if level <= len(levels):
                return self._level(levels[level - 1])
            if not in_report_run():  # the master's level(3) on a grid of two levels is silent in a report's run
                named = "; ".join(f"{i} {lv.id} ({lv.label(self.lang)})" for i, lv in enumerate(levels, start=1))
                print(f"level({level}): the grid {self.grid.id!r} has {len(levels)} levels: {named}.", file=sys.stderr)
            return Html("", name="no such level")
        found = self.grid.level(level)
        if found is None:
            ids = [lv.id for lv in self.grid.levels]
            raise NotFound(f"The grid {self.grid.id!r} has no level {level!r}; its levels are {ids}.")
        return self._level(found)

    def levels(self, start: int = 1) -> Html:
        """Return every level of the grid from the ``start``-th (1: all of them), in grid order."""
        return Html("".join(str(self._level(level)) for level in self.grid.levels[start - 1 :]), name="levels")

    def _level(self, level: Level) -> Html:
        answers = self.answers.get(level.id, {})
        placed = programme_level_statements(self.grid, self.programme, level, answers, self.year, self.lang)
        if placed:  # the intensity, beside the programme's median, once per level
            answers = {q: v for q, v in answers.items() if q != self.grid.roles.intensity}
        intro = placed + level_statements(level, answers, self.lang)
        criteria = [self._criterion(c) for c in level.criteria if self._shown(c)]
        return render(
            "level",
            level=level,
            title=level.label(self.lang),
            statements=_markup(intro),
            criteria=criteria,
            empty=self._t("level_not_asked" if self._not_asked(level.id) else "level_empty", year=str(self.year)),
        )

    def _testimony(self, criterion: Criterion, question_id: str, text: str) -> Markup:
        """Return one of the site's texts on a criterion, verbatim (masked if pseudonymised), with its caption."""
        values = {"criterion": criterion.label(self.lang), "year": str(self.year)}
        caption = fill_text(self.words["testimony_of"], values, self.lang)
        question = criterion.question(question_id)
        if question is not None and question_id != self.grid.roles.testimony:  # an example of one branch, say
            caption = f"{question.label(self.lang)} · {values['criterion']}, {values['year']}"
        return Markup(
            testimony_html(
                self.shown_text(text, self.site),
                lang=self.lang,
                caption=caption,
                extract=is_extract(text),  # masking changes the length: judge the text as recorded
                words=self.words,
            )
        )

    def _criterion(self, criterion: Criterion) -> Html:
        answers = self.answers.get(criterion.id, {})
        testimonies = [
            self._testimony(criterion, q.id, t)
            for q in criterion.questions
            if q.type == "testimony"
            for t in answers.get(q.id, [])
        ]
        statements = criterion_statements(criterion, answers, self.lang)
        state = self.states[criterion.id]
        empty = {"none": "state_none", "not_asked": "state_not_asked", "positive": "state_positive"}
        return render(
            "criterion",
            criterion=criterion,
            title=criterion.label(self.lang),
            statements=_markup(statements),
            testimonies=testimonies,
            empty=self._t(empty.get(state, "no_answer"), year=str(self.year)),
        )

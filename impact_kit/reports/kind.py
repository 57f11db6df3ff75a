"""The report kind: what a site report and a portfolio report share, named once.

:class:`ReportKind` is the base of :class:`~impact_kit.reports.site.SiteReport` and
:class:`~impact_kit.reports.portfolio.PortfolioReport`. It holds what both do:

- loading: the validated data folder, the language checked against the grid, a site
  looked up with "Did you mean" (:meth:`ReportKind._dataset`, :meth:`ReportKind._site`);
- words: the report's texts in its language, filled as escaped HTML or plain text;
- charts: a registry of :class:`ChartSpec` by name, :meth:`ReportKind.plot` to draw one
  in the report's style, :meth:`ReportKind.chart` to put it on the page as a numbered
  figure (inline SVG, wide and narrow, its figures as a table and a CSV);
- pseudonymisation: one function for testimonies (:func:`impact_kit.text.testimonies.pseudonymise`),
  with the names of ``redact.csv`` for the testimony's site, and one note that says so;
- the run: the master notebook, the folder the report goes to, its parameters and the
  metadata ``report.ipynb`` records (:func:`impact_kit.reports.run.write_report` uses them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from impact_kit.data.dataset import Dataset, load_dataset, site_not_found
from impact_kit.data.redactions import Name, load_redactions
from impact_kit.exceptions import NotFound
from impact_kit.grid.model import Grid
from impact_kit.render import charts, figures, frames, inline
from impact_kit.render.data_tables import DataTable
from impact_kit.render.markup import Html, render
from impact_kit.reports.lab import remember_runs
from impact_kit.text.testimonies import pseudonymise
from impact_kit.words import fill, fill_text, pick_form

__all__ = ["NARROW_WIDTH", "ChartSpec", "ReportKind"]

#: Width in inches of a chart's phone drawing: 317 CSS px, inside the 332 px column of a 375 px screen.
NARROW_WIDTH = 3.3


@dataclass(frozen=True)
class ChartSpec:
    """How to draw one of a report's charts: its table, drawing, alt text, figures, and sizes (inches).

    Each callable takes the report first. ``size`` is the figure on a wide screen,
    ``narrow`` the one on a phone (:data:`NARROW_WIDTH` inches wide), both shown at their
    own size so that their text stays at 12 CSS px. ``title`` is the caption's title
    (the text ``chart_<name>`` by default).
    """

    table: Callable[[Any], pd.DataFrame]
    draw: Callable[..., Axes]
    alt: Callable[[Any, pd.DataFrame], str]
    size: Callable[[pd.DataFrame], tuple[float, float]]
    has_data: Callable[[pd.DataFrame], bool] = lambda table: not table.empty
    data: Callable[[Any, pd.DataFrame], pd.DataFrame | DataTable] | None = None
    narrow: Callable[[pd.DataFrame], tuple[float, float]] | None = None
    title: Callable[[Any, pd.DataFrame], str] | None = None
    #: The chart's entry in :data:`impact_kit.render.charts.LAYERS`, if it has one: the page's
    #: drawings then reuse their frames from report to report (:mod:`impact_kit.render.frames`).
    layers: str | None = None


class ReportKind:
    """The base of the two report kinds: words, charts, pseudonymisation and the run's inputs.

    A kind declares :attr:`CHARTS`, :attr:`NOTEBOOK` and :attr:`FOLDER_NAME` and has the
    attributes ``year``, ``grid``, ``lang``, ``pseudonymise`` and ``figure_numbers``.
    """

    #: The kind's charts, by the name :meth:`plot` and :meth:`chart` take, in the report's order.
    CHARTS: ClassVar[Mapping[str, ChartSpec]] = {}
    #: The kind's master notebook.
    NOTEBOOK: ClassVar[Path]

    year: int
    grid: Grid
    lang: str
    pseudonymise: bool
    figure_numbers: dict[str, int]

    # -- loading ---------------------------------------------------------------------------

    @staticmethod
    def _dataset(data: str | Path | Dataset, grid: Grid | str | Path | None, lang: str) -> Dataset:
        """Return the validated data folder (read once per process) after checking ``lang`` against its grid.

        In a kernel of Lab's, a report loading starts watching its cells: ``export()`` then
        tells work not saved yet, and the kernel warms the export while idle.
        """
        dataset = data if isinstance(data, Dataset) else load_dataset(data, grid=grid)
        dataset.grid.check_lang(lang)
        remember_runs()
        return dataset

    @staticmethod
    def _site(dataset: Dataset, site: str) -> str:
        """Return ``site`` if ``sites.csv`` has it.

        Raises
        ------
        NotFound
            Naming the closest site ids, prefixes included, and the folder's sites with
            their years when it has 20 or fewer.
        """
        site = str(site)
        if site not in dataset.sites.index:
            raise site_not_found(dataset, site)
        return site

    # -- words -----------------------------------------------------------------------------

    @property
    def words(self) -> Mapping[str, Any]:
        """The report's own words in its language (``impact_kit/texts.yaml``, with the grid's own ``words:`` first)."""
        return self.grid.texts(self.lang)

    @property
    def title(self) -> str:
        """The report's title as plain text."""
        raise NotImplementedError

    @property
    def page_title(self) -> str:
        """The title of the report's page and PDF (the report's title by default)."""
        return self.title

    def _text(self, key: str, *, form: float | None = None, **values: Any) -> str:
        """Fill the text ``key`` (its ``form`` for that count, if it has forms) as plain text."""
        return fill_text(pick_form(self.words[key], form), values, self.lang)

    def _t(self, key: str, *, form: float | None = None, **values: Any) -> Markup:
        """Fill the text ``key`` (its ``form`` for that count, if it has forms) as escaped HTML."""
        return Markup(fill(pick_form(self.words[key], form), values, self.lang))

    # -- charts ----------------------------------------------------------------------------

    def _spec(self, name: str) -> ChartSpec:
        if name not in self.CHARTS:
            raise NotFound(f"There is no chart {name!r}; use one of {list(self.CHARTS)}.")
        return self.CHARTS[name]

    def plot(
        self,
        name: str,
        *,
        ax: Axes | None = None,
        table: pd.DataFrame | None = None,
        size: tuple[float, float] | None = None,
        **kwargs: Any,
    ) -> Figure:
        """Draw one chart in the report's style and return its figure (its Axes is ``figure.axes[0]``).

        Parameters
        ----------
        name : str
            One of the kind's charts (``CHARTS``).
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure of the report's size by default. In a notebook the
            figure shows once either way: as the cell's value, or when the cell ends.
        table : pandas.DataFrame, optional
            The chart's data; computed from the report by default.
        size : tuple of float, optional
            The new figure's width and height in inches; the report's wide size by default.
        **kwargs
            Passed to the matplotlib call that draws the marks, where the chart has one.

        Raises
        ------
        NotFound
            If there is no such chart (the message lists them).
        """
        spec = self._spec(name)
        table = spec.table(self) if table is None else table
        if not spec.has_data(table):  # an empty frame would say nothing: the figure says why, as the page does
            with charts.chart_style():
                ax = ax if ax is not None else inline.new_figure(size or spec.size(table)).add_subplot()
                ax.set_axis_off()
                why = self._no_data(self._chart_title(name, spec, table)).striptags()
                ax.text(0.5, 0.5, why, ha="center", va="center", wrap=True, transform=ax.transAxes)
            return inline.show_once(ax.get_figure())  # type: ignore[arg-type]
        # In a notebook the figure shows once, as the cell's value or at the cell's end (render.inline).
        return inline.show_once(self._draw(name, ax=ax, table=table, size=size, new=inline.new_figure, **kwargs))

    def _chart_title(self, name: str, spec: ChartSpec, table: pd.DataFrame) -> str:
        return spec.title(self, table) if spec.title else self.words[f"chart_{name}"]

    def _no_data(self, title: str) -> Markup:
        """Return the sentence that replaces a chart without data for the year."""
        return self._t("chart_no_data", chart=title, year=str(self.year))

    def _draw(
        self,
        name: str,
        *,
        ax: Axes | None = None,
        table: pd.DataFrame | None = None,
        size: tuple[float, float] | None = None,
        new: Callable[[tuple[float, float]], Figure] = lambda size: Figure(figsize=size, layout="constrained"),
        **kwargs: Any,
    ) -> Figure:
        """Draw one chart on ``ax`` or on a figure ``new`` makes (a plain one: the page's drawings)."""
        spec = self._spec(name)
        table = spec.table(self) if table is None else table
        with charts.chart_style():
            if ax is None:
                ax = new(size or spec.size(table)).add_subplot()
            spec.draw(self, table, ax, **kwargs)
        return ax.get_figure()  # type: ignore[return-value]

    def _file_stem(self) -> str:
        """Return the start of the name of a chart's CSV file."""
        raise NotImplementedError

    def chart(self, name: str) -> Html:
        """Return one chart as a numbered figure, with its figures as a table and a CSV, or a sentence saying why not.

        The chart is inline SVG with real text, drawn twice: for wide screens and for
        phones (the page's CSS shows one). Its number is given the first time it is
        shown ("Figure 1 : ..."), in the order of the calls.

        Parameters
        ----------
        name : str
            One of the kind's charts (``CHARTS``).

        Raises
        ------
        NotFound
            If there is no such chart (the message lists them).
        """
        spec = self._spec(name)
        table = spec.table(self)
        title = self._chart_title(name, spec, table)
        if not spec.has_data(table):
            return render("no_chart", text=self._no_data(title))
        number = self.figure_numbers.setdefault(name, len(self.figure_numbers) + 1)
        drawings, boxes = {}, {}
        for variant, size in (("wide", spec.size), ("narrow", spec.narrow or spec.size)):
            if spec.layers:
                drawings[variant], boxes[variant] = frames.drawing(
                    spec.layers, table, lang=self.lang, size=size(table), finish=_untitled
                )
            else:
                drawings[variant] = self._draw(name, table=table, size=size(table))
                _untitled(drawings[variant].axes[0])
        return figures.figure_html(
            drawings,
            spec.data(self, table) if spec.data else table,
            name=name,
            number=number,
            title=title,
            alt=spec.alt(self, table),
            file_name=f"{self._file_stem()}-{name}.csv",
            lang=self.lang,
            boxes=boxes,
        )

    # -- pseudonymisation ------------------------------------------------------------------

    def names_of(self, site: str) -> tuple[Name, ...]:
        """Return the names ``redact.csv`` lists for ``site``'s testimonies (none unless pseudonymised)."""
        return ()

    def shown_text(self, testimony: str, site: str) -> str:
        """Return a testimony of ``site`` as the report shows it: verbatim, or pseudonymised if asked."""
        if not self.pseudonymise:
            return testimony
        return pseudonymise(testimony, self.lang, names=self.names_of(site))

    def pseudonymisation_note(self) -> Html:
        """Return the note that the testimonies are pseudonymised, not anonymised (nothing if they are not)."""
        if not self.pseudonymise:
            return Html("", name="pseudonymisation note (none)")
        return render("pseudonymised", text=self._t("pseudonymised_note"))

    @staticmethod
    def _names(dataset: Dataset, site: str) -> tuple[Name, ...]:
        return tuple(load_redactions(dataset.folder, site, sites=set(dataset.sites.index)))

    # -- the run ---------------------------------------------------------------------------

    def target(self, out: str | Path) -> Path:
        """Return the folder of ``out`` that this report's files go to."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        """How messages name this report ("the-good-start 2021", "portfolio 2023")."""
        raise NotImplementedError

    def parameters(self, data: Path, out: Path) -> dict[str, Any]:
        """Return the master notebook's parameters, with paths relative to the working directory."""
        raise NotImplementedError

    def metadata(self) -> dict[str, Any]:
        """Return what ``report.ipynb`` records under ``impact_kit`` besides the kit's version."""
        return {"pseudonymised": self.pseudonymise}

    def also_write(self, folder: Path) -> None:
        """Write the kind's own files in the run's folder, before the report's (nothing by default)."""

    def indicators_file(self, target: Path) -> Path | None:
        """Return where the kind's ``indicators.csv`` goes in ``target``, if it writes one (None by default)."""
        return None


def _untitled(ax: Axes) -> None:
    """Take a page's drawing's title off: the caption says it, as text."""
    ax.set_title("", loc="left")

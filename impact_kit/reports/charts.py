"""The charts of the two report kinds: for each, its table, drawing, alt text, figures and sizes.

A :class:`~impact_kit.reports.kind.ChartSpec` says how :meth:`ReportKind.plot
<impact_kit.reports.kind.ReportKind.plot>` and :meth:`ReportKind.chart
<impact_kit.reports.kind.ReportKind.chart>` draw a chart of a report; the drawing itself
is in :mod:`impact_kit.render.charts` (a site) and :mod:`impact_kit.render.portfolio_charts`
(a programme). Each callable takes the report first.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from impact_kit.indicators import site as indicators
from impact_kit.render import charts, figures
from impact_kit.render import data_tables as pft
from impact_kit.render import portfolio_charts as pfc
from impact_kit.reports.kind import NARROW_WIDTH, ChartSpec

__all__ = ["PORTFOLIO_CHART_SPECS", "SITE_CHART_SPECS"]

#: The site report's charts, by the name :meth:`SiteReport.chart` takes, in the report's order.
SITE_CHART_SPECS: Mapping[str, ChartSpec] = {
    "intensity": ChartSpec(
        lambda r: indicators.intensity_table(r.grid, r.years, r.lang),
        lambda r, t, ax, **kw: charts.intensity_chart(t, lang=r.lang, ax=ax, **kw),
        lambda r, t: charts.intensity_alt(t, lang=r.lang),
        lambda t: (7, 3.6),
        lambda t: bool(t.notna().any().any()),
        data=lambda r, t: figures.intensity_data(t, lang=r.lang),
        layers="intensity",
        narrow=lambda t: (NARROW_WIDTH, 1.2 + 0.3 * len(t) * (len(t.columns) + 1)),
    ),
    "publics": ChartSpec(
        lambda r: indicators.publics_matrix(r.grid, r.answers, r.lang),
        lambda r, t, ax, **kw: charts.publics_chart(t, lang=r.lang, ax=ax, **kw),
        lambda r, t: charts.publics_alt(t, year=r.year, lang=r.lang),
        lambda t: (7, 1.6 + 0.42 * len(t)),
        data=lambda r, t: figures.publics_data(t, lang=r.lang),
        layers="publics",
        narrow=lambda t: (NARROW_WIDTH, 1.9 + 0.5 * len(t)),
    ),
    "effects": ChartSpec(
        lambda r: figures.effects_rows(indicators.effects_table(r.grid, r.years, r.lang), lang=r.lang),
        lambda r, t, ax, **kw: charts.effects_chart(t, lang=r.lang, ax=ax, **kw),
        lambda r, t: charts.effects_alt(t, lang=r.lang),
        lambda t: (7, 3.2),
        data=lambda r, t: figures.effects_data(t, lang=r.lang),
        layers="effects",
        narrow=lambda t: (NARROW_WIDTH, 1.2 + 0.3 * len(t.columns) * (len(t) + 1)),
    ),
    "coverage": ChartSpec(
        lambda r: indicators.coverage_table(r.grid, r.answers, r.lang),
        lambda r, t, ax, **kw: charts.coverage_chart(t, lang=r.lang, ax=ax, **kw),
        lambda r, t: charts.coverage_alt(t, year=r.year, lang=r.lang),
        lambda t: (7, 1.6 + 0.36 * len(t)),
        data=lambda r, t: figures.coverage_data(t, lang=r.lang),
        layers="coverage",
        narrow=lambda t: (NARROW_WIDTH, 1.6 + 0.62 * len(t)),
    ),
}


def _rows(table: pd.DataFrame, column: str) -> int:
    return max(int(table[column].nunique()), 1)


def _share_height(shares: pd.DataFrame, per_line: float) -> float:
    return 1.2 + _rows(shares, "criterion") * (per_line + 0.1 * _rows(shares, "year"))


#: The portfolio's charts (see :class:`~impact_kit.reports.kind.ChartSpec`), by the name
#: :meth:`PortfolioReport.plot` takes. Each draws a section's table: a share, a count or a
#: top N, never a mark per site, so that 5 sites or 5,000 read the same.
PORTFOLIO_CHART_SPECS: Mapping[str, ChartSpec] = {
    "effects": ChartSpec(
        lambda r: r.tables["effect_shares"],
        lambda r, t, ax, **kw: pfc.effect_share_chart(t, r.grid, lang=r.lang, ax=ax, **kw),
        lambda r, t: pfc.effect_share_alt(t, r.grid, lang=r.lang),
        lambda t: (8, _share_height(t, 0.2)),
        lambda t: True,
        data=lambda r, t: pft.effect_shares_data(
            t, r.grid, r.lang, panel=r.tables["effect_panel"], previous=r.previous, year=r.year
        ),
        narrow=lambda t: (NARROW_WIDTH, _share_height(t, 0.55)),
        title=lambda r, t: r._shares_caption(t),
    ),
    "publics": ChartSpec(
        lambda r: r.tables["publics_reach"],
        lambda r, t, ax, **kw: pfc.publics_heatmap(t, r.grid, lang=r.lang, ax=ax, **kw),
        lambda r, t: pfc.publics_heatmap_alt(t, r.grid, sites=r.reporting, year=r.year, lang=r.lang),
        lambda t: (8, 2.0 + 0.42 * _rows(t, "public")),
        lambda t: bool(t["sites"].any()),
        data=lambda r, t: pft.publics_data(t, r.grid, r.lang),
        narrow=lambda t: (NARROW_WIDTH, 3.2 + 0.45 * _rows(t, "criterion")),
        title=lambda r, t: r._text("pf_caption_publics", sites=r.reporting, year=str(r.year)),
    ),
    "intensity": ChartSpec(
        lambda r: r.tables["intensity_distribution"],
        lambda r, t, ax, **kw: pfc.intensity_distribution_chart(t, r.grid, lang=r.lang, ax=ax, **kw),
        lambda r, t: pfc.intensity_distribution_alt(t, r.grid, year=r.year, lang=r.lang),
        lambda t: (8, 1.4 + 0.5 * _rows(t, "level")),
        lambda t: True,
        data=lambda r, t: pft.intensity_data(t, r.grid, r.lang),
        narrow=lambda t: (NARROW_WIDTH, 2.0 + 0.7 * _rows(t, "level")),
        title=lambda r, t: r._text("pf_caption_intensity", sites=r._sites(r.reporting), year=str(r.year)),
    ),
    "change": ChartSpec(
        lambda r: r.tables["intensity_change"],
        lambda r, t, ax, **kw: pfc.intensity_change_chart(
            t, r.grid, previous=r.previous or r.year, lang=r.lang, ax=ax, **kw
        ),
        lambda r, t: pfc.intensity_change_alt(t, r.grid, previous=r.previous or r.year, year=r.year, lang=r.lang),
        lambda t: (8, 1.4 + 0.5 * _rows(t, "level")),
        lambda t: bool(t["sites"].any()),
        data=lambda r, t: pft.change_data(t, r.grid, r.lang),
        narrow=lambda t: (NARROW_WIDTH, 2.0 + 0.7 * _rows(t, "level")),
        title=lambda r, t: r._text("pf_caption_change", previous=str(r.previous), year=str(r.year)),
    ),
    "movers": ChartSpec(
        lambda r: r.tables["effect_movers"],
        lambda r, t, ax, **kw: pfc.movers_chart(t, previous=r.previous or r.year, lang=r.lang, ax=ax, **kw),
        lambda r, t: pfc.movers_alt(t, previous=r.previous or r.year, year=r.year, lang=r.lang),
        lambda t: (8, 1.2 + 0.36 * max(len(t), 1)),
        data=lambda r, t: pft.movers_data(
            t, previous=r.previous or r.year, year=r.year, name=lambda s: r.marked_name(s), lang=r.lang
        ),
        narrow=lambda t: (NARROW_WIDTH, 1.4 + 0.6 * max(len(t), 1)),
        title=lambda r, t: r._text("pf_caption_movers", previous=str(r.previous), year=str(r.year)),
    ),
}

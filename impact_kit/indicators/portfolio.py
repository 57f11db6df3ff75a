"""The data of each section of the portfolio report: small tables for one year.

Each function takes the indicator table (:func:`impact_kit.indicators.table.indicator_table`)
or the observations, and the year of the report; it returns a small tidy DataFrame
of grid ids and counts, whatever the number of sites: the report and the charts
(:mod:`impact_kit.render.portfolio_charts`) put labels on it. "The previous year" is the
latest year before the report's year in which any site reported, unless given.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from impact_kit.grid.model import Grid
from impact_kit.indicators.attention import DROP
from impact_kit.indicators.site import NEGATIVE_STATES, POSITIVE_STATES
from impact_kit.indicators.table import with_directions

__all__ = [
    "effect_movers",
    "effect_shares",
    "intensity_change",
    "intensity_distribution",
    "portfolio_sections",
    "previous_year",
    "publics_reach",
    "site_table",
    "sites_reporting",
    "sites_to_watch",
    "testimony_picks",
]


def previous_year(table: pd.DataFrame, year: int) -> int | None:
    """Return the latest year before ``year`` with any row in ``table``, or None."""
    years = table["year"][table["year"] < year]
    return int(years.max()) if len(years) else None


def _present(table: pd.DataFrame, year: int | None) -> pd.Index:
    if year is None:
        return pd.Index([], dtype="string", name="site")
    return pd.Index(table.loc[table["year"] == year, "site"].unique(), name="site")


def _names(table: pd.DataFrame) -> pd.Series | None:
    if "name" not in table:
        return None
    return table.drop_duplicates("site").set_index("site")["name"]


def sites_reporting(table: pd.DataFrame, year: int, *, previous: int | None = None) -> pd.DataFrame:
    """Return the sites reporting in ``year``, and those missing since the previous year.

    Returns
    -------
    pandas.DataFrame
        One row per site, sorted by status then site: ``site``, ``name`` (if the table
        has it), ``status`` (``"continuing"``: reported both years; ``"new"``: reports
        this year, not the previous one, or there is no previous year; ``"missing"``:
        reported the previous year, not this one), ``first_year`` (its first year in the
        data) and ``years`` (how many years it reported, up to ``year``).
    """
    previous = previous_year(table, year) if previous is None else previous
    now, before = _present(table, year), _present(table, previous)
    sites = now.union(before)
    status = np.where(sites.isin(now), np.where(sites.isin(before), "continuing", "new"), "missing")
    history = table.loc[table["year"] <= year, ["site", "year"]].drop_duplicates()
    first = history.groupby("site")["year"].min()
    count = history.groupby("site")["year"].size()
    out = pd.DataFrame({"site": sites.astype("string"), "status": pd.Series(status, dtype="string")})
    out["first_year"] = out["site"].map(first).astype("int64")
    out["years"] = out["site"].map(count).astype("int64")
    names = _names(table)
    if names is not None:
        out.insert(1, "name", out["site"].map(names).astype("string"))
    order = pd.Categorical(out["status"], ["continuing", "new", "missing"])
    return out.assign(_order=order).sort_values(["_order", "site"]).drop(columns="_order").reset_index(drop=True)


def effect_shares(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return, per criterion and year up to ``year``, the share of reporting sites with a positive effect.

    A negative or a zero answer is never counted as an effect: the sites with a negative
    effect are counted apart (a mixed criterion counts in both).

    Returns
    -------
    pandas.DataFrame
        ``level``, ``criterion`` (grid order), ``year`` (ascending), ``sites`` (sites
        reporting that year), ``observed`` (sites with a positive effect), ``negative``
        (sites with a negative effect) and ``share`` (``observed`` over ``sites``, 0 to 1).
    """
    part = with_directions(table[table["year"] <= year])
    out = part.groupby(["criterion", "year"], sort=False).agg(
        level=("level", "first"), sites=("site", "size"), observed=("positive", "sum"), negative=("negative", "sum")
    )
    out = out.reset_index()[["level", "criterion", "year", "sites", "observed", "negative"]]
    out = out.astype({"sites": "int64", "observed": "int64", "negative": "int64"})
    out["share"] = (out["observed"] / out["sites"]).astype("float64")
    order = {c: i for i, c in enumerate(pd.unique(table["criterion"]))}
    out = out.sort_values(["criterion", "year"], key=lambda s: s.map(order) if s.name == "criterion" else s)
    return out.reset_index(drop=True)


def publics_reach(observations: pd.DataFrame, grid: Grid, year: int) -> pd.DataFrame:
    """Return which publics took part in which criteria, in how many sites, in ``year``.

    Returns
    -------
    pandas.DataFrame
        One row per public (the grid's publics options, in order) x criterion asking
        about publics (grid order): ``public``, ``criterion``, ``sites`` (sites that chose
        it there, 0 included) and ``share`` (of the sites reporting in ``year``).
    """
    pairs = grid.publics_questions()
    options = [o.id for o in pairs[0][1].options] if pairs else []
    criteria = list(dict.fromkeys(c.id for c, _ in pairs))
    obs = observations[observations["year"] == year]
    mask = np.zeros(len(obs), dtype=bool)
    for criterion, question in pairs:
        mask |= ((obs["criterion"] == criterion.id) & (obs["question"] == question.id)).to_numpy()
    chosen = obs.loc[mask, ["site", "criterion", "value"]].drop_duplicates()
    counts = chosen.groupby(["value", "criterion"]).size()
    full = pd.MultiIndex.from_product([options, criteria], names=["public", "criterion"])
    out = counts.reindex(full, fill_value=0).rename("sites").reset_index()
    out["sites"] = out["sites"].astype("int64")
    reporting = obs["site"].nunique()
    out["share"] = out["sites"] / reporting if reporting else 0.0
    return out.astype({"public": "string", "criterion": "string"})


def _levels(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per site and level of ``year``, with its intensity."""
    return table.loc[table["year"] == year, ["site", "level", "intensity"]].drop_duplicates(["site", "level"])


def intensity_distribution(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return, per level, how many sites rated its intensity 1, 2, 3, 4, 5, or did not rate it.

    Returns
    -------
    pandas.DataFrame
        ``level`` (grid order), ``intensity`` (Int64: 1 to 5, then <NA> for "not rated"),
        ``sites`` (0 included) and ``share`` (of the sites reporting in ``year``).
    """
    levels = _levels(table, year)
    order = list(pd.unique(table["level"]))
    scale = pd.array([1, 2, 3, 4, 5, pd.NA], dtype="Int64")
    counts = levels.assign(intensity=levels["intensity"].astype("Int64")).value_counts(
        ["level", "intensity"], dropna=False
    )
    full = pd.MultiIndex.from_product([order, scale], names=["level", "intensity"])
    out = counts.reindex(full, fill_value=0).rename("sites").reset_index()
    out["sites"] = out["sites"].astype("int64")
    reporting = levels["site"].nunique()
    out["share"] = out["sites"] / reporting if reporting else 0.0
    return out.astype({"level": "string", "intensity": "Int64"})


def intensity_change(table: pd.DataFrame, year: int, *, previous: int | None = None) -> pd.DataFrame:
    """Return, per level, how the intensity moved for the sites that rated it both years.

    Returns
    -------
    pandas.DataFrame
        ``level`` (grid order), ``change`` (-4 to +4: this year's rating minus the
        previous year's) and ``sites`` (0 included); empty with no previous year.
    """
    previous = previous_year(table, year) if previous is None else previous
    order = list(pd.unique(table["level"]))
    full = pd.MultiIndex.from_product([order, range(-4, 5)], names=["level", "change"])
    if previous is None:
        return pd.DataFrame({"level": pd.Series(dtype="string"), "change": [], "sites": []}).astype(
            {"change": "int64", "sites": "int64"}
        )
    both = _levels(table, year).merge(_levels(table, previous), on=["site", "level"], suffixes=("", "_before"))
    both = both.dropna(subset=["intensity", "intensity_before"])
    both = both.assign(change=(both["intensity"] - both["intensity_before"]).astype("int64"))
    counts = both.value_counts(["level", "change"])
    out = counts.reindex(full, fill_value=0).rename("sites").reset_index()
    return out.astype({"level": "string", "change": "int64", "sites": "int64"})


def _observed_per_site(table: pd.DataFrame, year: int | None, column: str = "positive") -> pd.Series:
    """Per site, how many criteria have a positive (``column="negative"``: a negative) effect in ``year``."""
    return with_directions(table[table["year"] == year]).groupby("site")[column].sum().astype("int64")


def effect_movers(table: pd.DataFrame, year: int, *, previous: int | None = None, n: int = 10) -> pd.DataFrame:
    """Return the sites whose number of criteria with a positive effect grew or shrank most.

    Only sites that reported both years count.

    Returns
    -------
    pandas.DataFrame
        At most ``n`` sites that grew (largest first) then at most ``n`` that shrank
        (largest drop first), ties by site id: ``site``, ``name`` (if the table has it),
        ``before``, ``after`` (criteria observed each year), ``change`` and
        ``direction`` (``"up"`` or ``"down"``).
    """
    previous = previous_year(table, year) if previous is None else previous
    after = _observed_per_site(table, year)
    before = _observed_per_site(table, previous)
    both = pd.DataFrame({"before": before, "after": after}).dropna().astype("int64")
    both["change"] = both["after"] - both["before"]
    both = both.rename_axis("site").reset_index()
    up = both[both["change"] > 0].sort_values(["change", "site"], ascending=[False, True]).head(n)
    down = both[both["change"] < 0].sort_values(["change", "site"]).head(n)
    out = pd.concat([up.assign(direction="up"), down.assign(direction="down")], ignore_index=True)
    out = out.astype({"site": "string", "direction": "string"})
    names = _names(table)
    if names is not None:
        out.insert(1, "name", out["site"].map(names).astype("string"))
    return out


def testimony_picks(
    observations: pd.DataFrame,
    grid: Grid,
    year: int,
    *,
    per_criterion: int = 3,
) -> pd.DataFrame:
    """Return a few testimonies per criterion, verbatim, chosen by the rule the report states.

    The rule (``pf_testimony_rule`` in ``impact_kit/texts.yaml``, which the report shows):
    for each criterion, the longest testimonies of the year, at most one per site (its
    longest) and at most ``per_criterion``; at equal length, the site whose id comes
    first; blank testimonies are left out. The report pseudonymises what it quotes.

    Returns
    -------
    pandas.DataFrame
        ``level``, ``criterion`` (grid order), ``site``, ``text`` (verbatim unless
        pseudonymised) and ``chars`` (its length as written).
    """
    texts = [q.id for c in grid.criteria for q in c.questions if q.type == "testimony"]  # examples of a branch too
    obs = observations[(observations["year"] == year) & observations["question"].isin(list(dict.fromkeys(texts)))]
    level_of = {c.id: c.level for c in grid.criteria}
    obs = obs[obs["criterion"].isin(list(level_of)) & obs["value"].str.strip().ne("")]
    picked = obs.assign(chars=obs["value"].str.len().astype("int64"))[["criterion", "site", "value", "chars"]]
    picked = picked.sort_values(["chars", "site"], ascending=[False, True], kind="stable")
    picked = picked.drop_duplicates(["criterion", "site"]).groupby("criterion", sort=False).head(per_criterion)
    order = {c: i for i, c in enumerate(level_of)}
    picked = picked.sort_values("criterion", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    text = picked["value"]
    out = pd.DataFrame(
        {
            "level": picked["criterion"].map(level_of),
            "criterion": picked["criterion"],
            "site": picked["site"],
            "text": text,
            "chars": picked["chars"],
        }
    )
    return out.astype({"level": "string", "criterion": "string", "site": "string", "text": "string"})


def site_table(table: pd.DataFrame, year: int, *, previous: int | None = None) -> pd.DataFrame:
    """Return every site reporting in ``year`` with its key figures, sorted by site.

    Returns
    -------
    pandas.DataFrame
        ``site``, ``name`` (if the table has it), ``observed`` (criteria with a positive effect),
        ``negative`` (criteria with a negative effect),
        ``observed_before`` (the previous year; <NA> if it did not report), ``change``
        (<NA> likewise), ``publics`` (the most publics named in one criterion),
        ``testimonies``, ``answered`` and ``questions`` (over all criteria),
        ``first_year``, then ``intensity_<level id>`` for each level (NaN if unrated).
    """
    previous = previous_year(table, year) if previous is None else previous
    now = with_directions(table[table["year"] == year])
    out = now.groupby("site").agg(
        observed=("positive", "sum"),
        negative=("negative", "sum"),
        publics=("publics", "max"),
        testimonies=("testimonies", "sum"),
        answered=("answered", "sum"),
        questions=("questions", "sum"),
    )
    before = _observed_per_site(table, previous)
    out.insert(1, "observed_before", before.reindex(out.index).astype("Int64"))
    out.insert(2, "change", (out["observed"] - out["observed_before"]).astype("Int64"))
    out["first_year"] = table[table["year"] <= year].groupby("site")["year"].min().reindex(out.index)
    levels = _levels(table, year).pivot(index="site", columns="level", values="intensity")
    for level in pd.unique(table["level"]):
        out[f"intensity_{level}"] = levels[level].reindex(out.index) if level in levels else np.nan
    out = out.astype(
        {"observed": "int64", "negative": "int64", "publics": "int64", "testimonies": "int64", "first_year": "int64"}
    )
    out = out.rename_axis("site").reset_index()
    out["site"] = out["site"].astype("string")
    names = _names(table)
    if names is not None:
        out.insert(1, "name", out["site"].map(names).astype("string"))
    return out


def _ids(values: pd.Series) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def sites_to_watch(table: pd.DataFrame, year: int, *, previous: int | None = None) -> pd.DataFrame:
    """Return the sites a programme officer should look at in ``year``, with their evidence, most points first.

    A site is to watch when it has a negative effect, a level whose intensity fell by
    :data:`impact_kit.indicators.attention.DROP` or more since the previous year, or a
    positive effect of the previous year that it no longer has (not counting a criterion
    now negative, said as such, or not asked by its source). The same rules as a site
    report's points of attention (:func:`impact_kit.indicators.attention.attention_points`).

    Returns
    -------
    pandas.DataFrame
        ``site``, ``name`` (if the table has it), ``negative`` (criterion ids, grid order),
        ``drops`` (``(level id, before, after)`` tuples), ``lost`` (criterion ids) and
        ``points`` (how many in all); sorted by ``points`` (descending), then site.
    """
    previous = previous_year(table, year) if previous is None else previous
    now = table[table["year"] == year]
    state = now["direction"].astype("string")
    negative = now[state.isin(list(NEGATIVE_STATES)).to_numpy(dtype=bool)].groupby("site", sort=False)["criterion"]
    found: dict[str, dict[str, tuple[Any, ...]]] = {"negative": {str(site): _ids(group) for site, group in negative}}
    if previous is not None:
        before = table[table["year"] == previous]
        was = before.loc[before["direction"].astype("string").isin(list(POSITIVE_STATES)), ["site", "criterion"]]
        gone = now.loc[~state.isin([*POSITIVE_STATES, *NEGATIVE_STATES, "not_asked"]), ["site", "criterion"]]
        lost = gone.merge(was, on=["site", "criterion"]).groupby("site", sort=False)["criterion"]
        found["lost"] = {str(site): _ids(group) for site, group in lost}
        levels = _levels(table, year).merge(_levels(table, previous), on=["site", "level"], suffixes=("", "_before"))
        fell = levels[(levels["intensity_before"] - levels["intensity"]) >= DROP]
        found["drops"] = {
            str(site): tuple(
                (str(lv), float(b), float(a))
                for lv, b, a in zip(g["level"], g["intensity_before"], g["intensity"], strict=True)
            )
            for site, g in fell.groupby("site", sort=False)
        }
    sites = sorted(set().union(*found.values()))
    out = pd.DataFrame({"site": pd.Series(sites, dtype="string")})
    for column in ("negative", "drops", "lost"):
        out[column] = pd.Series([found.get(column, {}).get(site, ()) for site in sites], dtype=object)
    out["points"] = [
        len(n) + len(d) + len(lo) for n, d, lo in zip(out["negative"], out["drops"], out["lost"], strict=True)
    ]
    out["points"] = out["points"].astype("int64")
    out = out.sort_values(["points", "site"], ascending=[False, True]).reset_index(drop=True)
    names = _names(table)
    if names is not None:
        out.insert(1, "name", out["site"].map(names).astype("string"))
    return out


def portfolio_sections(
    observations: pd.DataFrame,
    table: pd.DataFrame,
    grid: Grid,
    year: int,
    *,
    top: int = 10,
    per_criterion: int = 3,
) -> dict[str, pd.DataFrame]:
    """Return every section's table for ``year``, keyed by the name of its function.

    Keys: ``sites_reporting``, ``effect_shares``, ``publics_reach``,
    ``intensity_distribution``, ``intensity_change``, ``effect_movers``,
    ``testimony_picks``, ``site_table``, ``sites_to_watch``.
    """
    previous = previous_year(table, year)
    return {
        "sites_reporting": sites_reporting(table, year, previous=previous),
        "effect_shares": effect_shares(table, year),
        "publics_reach": publics_reach(observations, grid, year),
        "intensity_distribution": intensity_distribution(table, year),
        "intensity_change": intensity_change(table, year, previous=previous),
        "effect_movers": effect_movers(table, year, previous=previous, n=top),
        "testimony_picks": testimony_picks(observations, grid, year, per_criterion=per_criterion),
        "site_table": site_table(table, year, previous=previous),
        "sites_to_watch": sites_to_watch(table, year, previous=previous),
    }

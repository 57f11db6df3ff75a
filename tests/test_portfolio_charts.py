from __future__ import annotations

import importlib

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from impact_kit.render import portfolio_charts as pc
from impact_kit.render.charts import chart_style


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def axes():
    return Figure().add_subplot()


def ticks(labels):
    return [t.get_text() for t in labels]


@pytest.fixture
def shares():
    rows = [
        ("effets_individuels", "lien_social", 2022, 4, 2),
        ("effets_individuels", "lien_social", 2023, 5, 5),
        ("effets_individuels", "sante", 2022, 4, 1),
        ("effets_individuels", "sante", 2023, 5, 0),
    ]
    frame = pd.DataFrame(rows, columns=["level", "criterion", "year", "sites", "observed"])
    return frame.assign(share=frame["observed"] / frame["sites"])


def test_effect_share_chart(shares, grid):
    with chart_style():
        ax = pc.effect_share_chart(shares, grid, ax=axes())
    assert len(ax.patches) == 4  # 2 criteria x 2 years
    assert ticks(ax.get_yticklabels()) == ["Lien social", "Santé"]
    assert ticks(ax.get_legend().get_texts()) == ["2022", "2023"]
    # Under 10 sites a share is a count, never a percentage (issue 27): bars of sites, "5 sur 5".
    assert [t.get_text() for t in ax.texts] == ["5 sur 5", "0 sur 5"]  # the report's year only
    assert [round(p.get_width()) for p in ax.patches] == [2, 1, 5, 0]
    assert ax.get_title(loc="left") == "Nombre de sites présentant un effet positif, par critère"
    assert ax.get_xlabel() == "Nombre de sites" and "%" not in " ".join(ticks(ax.get_xticklabels()))


def test_effect_share_chart_from_ten_sites_draws_percentages(shares, grid):
    many = shares.assign(sites=shares["sites"] * 10, observed=shares["observed"] * 10)
    ax = pc.effect_share_chart(many, grid, ax=axes())
    assert [t.get_text() for t in ax.texts] == ["100 %", "0 %"]
    assert [round(p.get_width()) for p in ax.patches] == [50, 25, 100, 0]
    assert ax.get_title(loc="left") == "Part des sites présentant un effet positif, par critère"


def test_effect_share_alt(shares, grid):
    assert pc.effect_share_alt(shares, grid, lang="en") == (
        "Horizontal bars of the sites with a positive effect, for each of the 2 criteria, "
        "2022 and 2023. Social ties: 2 of 4 (2022), 5 of 5 (2023); Health and well-being: 1 of 4 (2022), 0 of 5 (2023)."
    )


def test_effect_share_chart_single_year_has_no_legend(shares, grid):
    ax = pc.effect_share_chart(shares[shares["year"] == 2023], grid, lang="en", ax=axes())
    assert len(ax.patches) == 2 and ax.get_legend() is None
    assert "2023. Social ties: 5 of 5; Health and well-being: 0 of 5." in pc.effect_share_alt(
        shares[shares["year"] == 2023], grid, lang="en"
    )


@pytest.fixture
def distribution():
    scale = pd.array([1, 2, 3, 4, 5, pd.NA], dtype="Int64")
    return pd.DataFrame(
        {
            "level": ["effets_individuels"] * 6 + ["effets_collectifs"] * 6,
            "intensity": pd.array(list(scale) * 2, dtype="Int64"),
            "sites": [0, 1, 2, 3, 4, 0, 10, 0, 0, 0, 0, 0],
        }
    )


def test_intensity_distribution_chart(distribution, grid):
    ax = pc.intensity_distribution_chart(distribution, grid, ax=axes())
    assert len(ax.patches) == 2 * 6  # levels x (5 ratings + not rated), never one bar per site
    assert ticks(ax.get_yticklabels()) == ["Effets individuels", "Effets collectifs"]
    assert ticks(ax.get_legend().get_texts()) == ["1", "2", "3", "4", "5", "non renseignée"]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "10", "2", "3", "4"]  # empty segments carry no number
    widths = [round(p.get_width()) for p in ax.patches]
    assert sum(widths[0::2]) == 100 and sum(widths[1::2]) == 100  # each bar is the whole level


def test_intensity_distribution_alt(distribution, grid):
    assert pc.intensity_distribution_alt(distribution, grid, year=2023, lang="en") == (
        "Stacked bars of how the 10 sites of 2023 rate the intensity of the effects (1 to 5) of each level. "
        "Individual effects: 2/5: 1 site, 3/5: 2 sites, 4/5: 3 sites, 5/5: 4 sites; Collective effects: 1/5: 10 sites."
    )


@pytest.fixture
def change():
    return pd.DataFrame(
        {
            "level": ["effets_individuels"] * 9 + ["effets_collectifs"] * 9,
            "change": list(range(-4, 5)) * 2,
            "sites": [0, 0, 1, 2, 3, 1, 1, 0, 0] + [0] * 9,
        }
    )


def test_intensity_change_chart_and_alt(change, grid):
    ax = pc.intensity_change_chart(change, grid, previous=2022, lang="en", ax=axes())
    assert len(ax.patches) == 2 * 3  # down, unchanged, up per level
    assert ticks(ax.get_legend().get_texts()) == ["down", "unchanged", "up"]
    assert sorted(t.get_text() for t in ax.texts) == ["2", "3", "3"]
    assert ax.get_title(loc="left") == "Change in intensity since 2022 (sites present both years)"
    assert pc.intensity_change_alt(change, grid, previous=2022, year=2023, lang="en").endswith(
        "Individual effects: 3 sites down, 3 sites unchanged, 2 sites up."
    )
    nothing = change.assign(sites=0)
    assert "No site rated" in pc.intensity_change_alt(nothing, grid, previous=2022, year=2023, lang="en")


@pytest.fixture
def reach():
    return pd.DataFrame(
        {
            "public": ["visitors", "visitors", "neighbours", "neighbours"],
            "criterion": ["lien_social", "solidarite"] * 2,
            "sites": [3, 0, 1, 2],
        }
    )


def test_publics_heatmap(reach, grid):
    ax = pc.publics_heatmap(reach, grid, ax=axes())
    assert not ax.images and ax.collections[0].get_array().shape == (2, 2)  # vector cells, no bitmap
    assert [t.get_text() for t in ax.texts] == ["3", "0", "1", "2"]  # every cell says its count
    assert [t.replace("\n", " ") for t in ticks(ax.get_yticklabels())] == [
        "visiteur·se·s grand public",
        "voisin·e·s du quartier",
    ]
    assert ticks(ax.get_xticklabels()) == ["Lien social", "Solidarité"]


def test_publics_heatmap_alt(reach, grid):
    assert pc.publics_heatmap_alt(reach, grid, sites=4, year=2023, lang="en") == (
        "Colour table of the number of sites, out of 4 in 2023, where each public (rows) took part in each "
        "criterion (columns). Social ties: general-public visitors (3), neighbourhood residents (1); "
        "Solidarity: neighbourhood residents (2)."
    )
    assert "no site recorded" in pc.publics_heatmap_alt(reach.assign(sites=0), grid, sites=4, year=2023, lang="en")


@pytest.fixture
def movers():
    return pd.DataFrame(
        {
            "site": ["a", "b", "c"],
            "name": ["Alpha", "Bêta", pd.NA],
            "before": [1, 2, 6],
            "after": [5, 3, 2],
            "change": [4, 1, -4],
            "direction": ["up", "up", "down"],
        }
    ).astype({"name": "string"})


def test_movers_chart(movers):
    ax = pc.movers_chart(movers, previous=2022, lang="en", ax=axes())
    assert len(ax.patches) == 3
    assert ticks(ax.get_yticklabels()) == ["Alpha", "Bêta", "c"]  # the id when the name is missing
    assert [t.get_text() for t in ax.texts] == ["+4 (1 → 5)", "+1 (2 → 3)", "\u22124 (6 → 2)"]
    assert [p.get_width() for p in ax.patches] == [4, 1, -4]


def test_movers_alt(movers):
    assert pc.movers_alt(movers, previous=2022, year=2023, lang="fr") == (
        "Barres horizontales des 3 sites dont le nombre de critères présentant un effet observé a le plus changé "
        "entre 2022 et 2023. Alpha : +4 (1 → 5); Bêta : +1 (2 → 3); c : \u22124 (6 → 2)."
    )
    assert "Aucun site" in pc.movers_alt(movers[:0], previous=2022, year=2023)


def test_movers_chart_empty_draws_nothing(movers):
    ax = pc.movers_chart(movers[:0], previous=2022, ax=axes())
    assert len(ax.patches) == 0


def test_chart_uses_current_axes_without_ax(movers):
    fig = plt.figure()
    assert pc.movers_chart(movers, previous=2022) is fig.axes[0]


def test_all_is_sorted_and_defined():
    module = importlib.import_module("impact_kit.render.portfolio_charts")
    assert module.__all__ == sorted(module.__all__, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert all(hasattr(module, public) for public in module.__all__)


def test_value_labels_take_their_colour_from_their_cell_in_both_themes(reach, grid, distribution):
    """The "Why": numbers on dark-blue cells turned dark in dark mode, and white "0" cells glared."""
    from impact_kit.render.charts import THEMES
    from impact_kit.render.figures import inline_svg
    from impact_kit.render.value_labels import label_colour

    assert label_colour("#08519c") == "#fdfdfd" and label_colour("#c6dbef") == "#1a1a1a"  # dark blue, light blue
    with chart_style():
        ax = pc.publics_heatmap(reach, grid, ax=axes())
    mesh = ax.collections[0].get_array()
    assert mesh.mask.tolist() == [[False, True], [False, False]]  # the 0 has no cell: the page shows through
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert colours["3"] == "#fdfdfd" and colours["0"] == THEMES["light"]["muted"]  # on dark blue; on the page
    svg = inline_svg(ax.get_figure(), label="x", prefix="t-")
    # The theme's colours become CSS variables (a dark page recolours them); a label on a cell keeps its own.
    assert "#fdfdfd" in svg and "var(--ik-muted" in svg
    with chart_style():
        stacked = pc.intensity_distribution_chart(distribution, grid, ax=axes())
    for text in stacked.texts:
        assert text.get_color() in ("#fdfdfd", "#1a1a1a")  # never the page's white, which turns dark in dark mode


def test_movers_chart_names_each_site_whole(movers):
    """The "Why": on a phone, names were cut to "Cœur de…"."""
    long = movers.assign(name=["Cœur de Friche (exemple)", "Tiers-Lieu des Trois Rivières (exemple)", "Bêta"])
    ax = pc.movers_chart(long, previous=2022, lang="fr", ax=Figure(figsize=(3.6, 3)).add_subplot())
    names = ticks(ax.get_yticklabels())
    assert [n.replace("\n", " ") for n in names[:2]] == [
        "Cœur de Friche (exemple)",
        "Tiers-Lieu des Trois Rivières (exemple)",
    ]
    assert not any("…" in n for n in names)


def test_a_control_character_in_a_site_name_is_drawn_as_a_replacement_character():
    """Found by tests/test_accepted_data.py: DEL (U+007F) in a site name made matplotlib warn of a missing glyph."""
    import warnings

    movers = pd.DataFrame(
        {"site": ["a"], "name": ["Café\x7f du\x01 coin"], "change": [2.0], "before": [1], "after": [3]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = pc.movers_chart(movers, previous=2022)
        ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Café\ufffd du\ufffd coin"]

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from impact_kit.render import charts


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def intensity():
    table = pd.DataFrame(
        {2021: [2.0, np.nan, 1.0], 2022: [4.0, 3.0, 2.0]}, index=["Individuels", "Collectifs", "Quartier"]
    )
    table.columns.name = "year"
    return table


def axes():
    return Figure().add_subplot()


def test_intensity_chart(intensity):
    with charts.chart_style():
        ax = charts.intensity_chart(intensity, ax=axes())
    assert len(ax.patches) == 6  # 3 levels x 2 years; the unrated one is a zero-height bar
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Individuels", "Collectifs", "Quartier"]
    assert ax.get_title(loc="left") == "Intensité des effets par niveau"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["2021", "2022"]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "2", "3", "4"]
    assert ax.get_ylim() == (0, 5.4)


def test_intensity_alt_says_every_value(intensity):
    alt = charts.intensity_alt(intensity, lang="en")
    assert alt == (
        "Bar chart of the intensity of the effects (out of 5) by level, 2021 and 2022. "
        "Individuels: 2/5 (2021), 4/5 (2022); Collectifs: not rated (2021), 3/5 (2022); "
        "Quartier: 1/5 (2021), 2/5 (2022)."
    )


def test_chart_uses_current_axes_without_ax(intensity):
    fig = plt.figure()
    assert charts.intensity_chart(intensity) is fig.axes[0]


def test_publics_chart_and_alt():
    matrix = pd.DataFrame(
        {"Lien social": [True, True, False], "Réseaux": [False, True, False]},
        index=["bénévoles", "voisin·e·s", "occupant·e·s"],
    )
    ax = charts.publics_chart(matrix, ax=axes())
    assert len(ax.collections[0].get_offsets()) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["bénévoles", "voisin·e·s", "occupant·e·s"]
    assert ax.get_title(loc="left") == "Publics impliqués, par critère"
    assert charts.publics_alt(matrix, year=2022) == (
        "Matrice des publics (en lignes) impliqués dans les critères (en colonnes) en 2022. "
        "Lien social : bénévoles et voisin·e·s; Réseaux : voisin·e·s."
    )
    assert "aucun public" in charts.publics_alt(matrix & False, year=2022)


def test_effects_chart_and_alt():
    table = pd.DataFrame({"Individuels": [1, 3], "Collectifs": [0, 2]}, index=pd.Index([2021, 2022], name="year"))
    ax = charts.effects_chart(table, lang="en", ax=axes())
    assert len(ax.patches) == 4
    assert ax.get_title(loc="left") == "Criteria with observed effects, by level"
    assert ax.get_ylabel() == "Number of criteria"
    assert charts.effects_alt(table, lang="en").endswith(
        "Individuels: 1 (2021), 3 (2022); Collectifs: 0 (2021), 2 (2022)."
    )


def test_coverage_chart_and_alt():
    table = pd.DataFrame(
        {"answered": [4, 1, 0], "total": [4, 2, 3], "share": [1.0, 0.5, 0.0], "level": ["A", "A", "B"]},
        index=pd.Index(["Lien", "Santé", "Cadre"], name="criterion"),
    )
    ax = charts.coverage_chart(table, ax=axes())
    assert [p.get_width() for p in ax.patches] == [100.0, 50.0, 0.0]
    assert [t.get_text() for t in ax.texts] == ["4/4", "1/2", "0/3"]
    colours = [mpl.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours[0] == colours[1] != colours[2]
    assert charts.coverage_alt(table, year=2023) == (
        "Barres horizontales de la part des questions renseignées pour chacun des 3 critères en 2023. "
        "Critères entièrement renseignés : Lien. Partiellement : Santé. Non renseignés : Cadre."
    )


def test_style_is_scoped():
    before = mpl.rcParams["axes.spines.top"]
    with charts.chart_style():
        assert mpl.rcParams["axes.spines.top"] is False
    assert mpl.rcParams["axes.spines.top"] == before


def test_palette_keeps_okabe_itos_blue_vermillion_and_green():
    assert charts.PALETTE[:3] == ("#0072B2", "#D55E00", "#009E73")  # contrasts: tests/test_palette.py

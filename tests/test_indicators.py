from __future__ import annotations

import pandas as pd

from impact_kit.indicators.site import (
    answers_by_year,
    coverage_table,
    effects_table,
    intensity_table,
    observed_criteria,
    publics_matrix,
)


def frame(rows):
    return pd.DataFrame(rows, columns=["site", "year", "criterion", "question", "value"])


ROWS = [
    ("s", 2021, "effets_individuels", "intensity", "2"),
    ("s", 2021, "lien_social", "publics", "volunteers"),
    ("s", 2022, "effets_individuels", "intensity", "4"),
    ("s", 2022, "effets_collectifs", "intensity", "3"),
    ("s", 2022, "lien_social", "publics", "volunteers"),
    ("s", 2022, "reseaux", "publics", "volunteers"),
    ("s", 2022, "reseaux", "publics", "visitors"),
    ("s", 2022, "innovation_publique", "effect", "no"),
    ("s", 2022, "insertion_professionnelle", "people_count", "0"),
]


def test_answers_by_year_oldest_first():
    years = answers_by_year(frame(ROWS))
    assert list(years) == [2021, 2022]
    assert years[2022]["reseaux"]["publics"] == ["volunteers", "visitors"]


def test_observed_criteria_ignore_no_effect_answers_and_zero_counts(grid):
    years = answers_by_year(frame(ROWS))
    assert [c.id for c in observed_criteria(grid, years[2022])] == ["lien_social", "reseaux"]


def test_intensity_table(grid):
    table = intensity_table(grid, answers_by_year(frame(ROWS)), "en")
    assert list(table.columns) == [2021, 2022]
    assert table.loc["Individual effects"].tolist() == [2.0, 4.0]
    assert pd.isna(table.loc["Collective effects", 2021]) and table.loc["Collective effects", 2022] == 3.0
    assert len(table) == 4


def test_effects_table(grid):
    table = effects_table(grid, answers_by_year(frame(ROWS)), "fr")
    assert table.loc[(2022, "positive")].tolist() == [1, 1, 0, 0]
    assert table.loc[(2021, "positive"), "Effets individuels"] == 1
    assert table.xs("negative", level="direction").to_numpy().sum() == 0


def test_effects_table_counts_negative_effects_apart(grid):
    rows = [*ROWS, ("s", 2022, "entretien_des_espaces", "effect", "negative")]
    rows += [
        ("s", 2022, "sante", "effects", "better_relations"),
        ("s", 2022, "sante", "effects", "discomfort"),
    ]  # mixed
    table = effects_table(grid, answers_by_year(frame(rows)), "fr")
    assert table.loc[(2022, "positive")].tolist() == [2, 1, 0, 0]  # a mixed criterion counts on both rows
    assert table.loc[(2022, "negative")].tolist() == [1, 0, 1, 0]


def test_publics_matrix(grid):
    matrix = publics_matrix(grid, answers_by_year(frame(ROWS))[2022], "fr")
    assert list(matrix.columns) == ["Lien social", "Solidarité", "Réseau de personnes"]
    assert matrix.loc["bénévoles"].tolist() == [True, False, True]
    assert matrix.loc["visiteur·se·s grand public"].tolist() == [False, False, True]
    assert int(matrix.to_numpy().sum()) == 3 and len(matrix) == 7


def test_coverage_table(grid):
    table = coverage_table(grid, answers_by_year(frame(ROWS))[2022], "fr")
    assert len(table) == 15
    assert table.loc["Lien social", ["answered", "total"]].tolist() == [1, 4]
    assert table.loc["Santé", "share"] == 0

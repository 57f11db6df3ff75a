"""The site in its programme: six sites in a year place each observed criterion, four say nothing."""

from __future__ import annotations

import importlib.util
import re

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT

import impact_kit.indicators.programme as programme_module
from impact_kit.data.dataset import load_dataset
from impact_kit.indicators.programme import MIN_SITES, Programme, programme_of
from impact_kit.indicators.table import indicator_table
from impact_kit.reports.site import SiteReport

YEAR = 2023
NEGATIVE = {"fr": "effet négatif", "en": "negative effect"}  # a negative effect is placed apart
#: What the kit says of the programme (the grid's own labels may say "programme" otherwise).
PROGRAMME = re.compile(
    r"sites du programme|médiane du programme|site médian du programme|sites of the programme|programme's median|programme median"
)


def _make_sample(folder, n_sites):
    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "bench" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_sample(folder, n_sites, years=(YEAR,), seed=3)


@pytest.fixture(scope="module")
def six(tmp_path_factory):
    return load_dataset(_make_sample(tmp_path_factory.mktemp("six") / "data", 6))


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    return load_dataset(_make_sample(tmp_path_factory.mktemp("four") / "data", 4))


def page(report: SiteReport) -> BeautifulSoup:
    return BeautifulSoup(str(report.summary()) + str(report.levels()), "html.parser")


def test_the_programme_counts_sites_criteria_and_medians(six):
    table = indicator_table(six.observations, six.grid)
    found = programme_of(six)
    assert found.sites == {YEAR: 6} and found.covers(YEAR) and not found.covers(YEAR + 1)
    for criterion in six.grid.criteria:
        # Positive effects only: a negative or a zero answer is never counted as an effect.
        rows = table[(table["criterion"] == criterion.id) & table["direction"].isin(["positive", "mixed"])]
        assert found.observed.get((YEAR, criterion.id), 0) == len(rows)
    level = six.grid.levels[0].id
    rated = table[table["level"] == level].drop_duplicates("site")["intensity"].dropna()
    assert found.intensity[(YEAR, level)] == (rated.median(), len(rated))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_six_sites_the_programme_is_said_once_per_level_never_under_a_criterion(six, lang):
    """Issue 25, Build 3: "5/5 · médiane du programme 3/5" once per level, plus once in the summary."""
    median = {"fr": "médiane du programme", "en": "programme median"}[lang]
    for site in six.sites.index:
        report = SiteReport.load(site, YEAR, data=six, lang=lang)
        soup = page(report)
        for criterion in six.grid.criteria:
            section = soup.find(id=f"criterion-{criterion.id}")
            assert section is None or not PROGRAMME.search(section.get_text()), (site, criterion.id)
        for level in six.grid.levels:
            intro = soup.find(id=f"level-{level.id}").select_one(".ik-level-intro").get_text()
            assert intro.count(median) <= 1, (site, level.id, intro)
        summary = soup.find(id="ik-summary").get_text()
        assert PROGRAMME.search(summary), site


def test_six_sites_levels_rated_by_enough_sites_stand_against_the_median(six):
    found = programme_of(six)
    for site in six.sites.index:
        report = SiteReport.load(site, YEAR, data=six, lang="fr")
        for level in six.grid.levels:
            text = BeautifulSoup(str(report.level(level.id)), "html.parser").get_text()
            rated = report.answers.get(level.id, {}).get(six.grid.roles.intensity)
            enough = found.intensity.get((YEAR, level.id), (0, 0))[1] >= MIN_SITES
            assert ("médiane du programme" in text) == bool(rated and enough), (site, level.id)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_four_sites_nothing_is_said_of_the_programme(four, lang):
    assert not programme_of(four).covers(YEAR)
    for site in four.sites.index:
        assert not PROGRAMME.search(page(SiteReport.load(site, YEAR, data=four, lang=lang)).get_text())


def test_the_parameter_turns_it_off(six):
    for site in six.sites.index:
        report = SiteReport.load(site, YEAR, data=six, programme=False)
        assert report.programme is None and not PROGRAMME.search(page(report).get_text())


def test_computed_once_per_dataset_never_per_report(six, monkeypatch):
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return indicator_table(*args, **kwargs)

    monkeypatch.setattr(programme_module, "indicator_table", counted)
    monkeypatch.setattr(programme_module, "_TABLES", {})
    monkeypatch.setattr(programme_module, "_PROGRAMMES", {})
    first = [SiteReport.load(site, YEAR, data=six).programme for site in six.sites.index]
    assert len(calls) == 1 and all(p is first[0] for p in first)
    again = load_dataset(six.folder)  # unchanged folder: the same Dataset, the same programme
    assert again is six and programme_of(again) is first[0] and len(calls) == 1


def test_from_table_of_the_sample(grid):
    dataset = load_dataset(ROOT / "data")
    found = Programme.from_table(indicator_table(dataset.observations, grid))
    sites = dataset.observations.groupby("year")["site"].nunique()
    assert found.sites == {int(y): int(n) for y, n in sites.items()}


def test_the_batch_index_reuses_the_indicator_table_of_the_programme(six, monkeypatch, tmp_path):
    """One indicator table per dataset: the programme's figures and the index both start from it."""
    from impact_kit.batch.index import write_index
    from impact_kit.batch.manifest import Entry, Manifest

    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return indicator_table(*args, **kwargs)

    monkeypatch.setattr(programme_module, "indicator_table", counted)
    monkeypatch.setattr(
        "impact_kit.batch.index.indicator_table", counted, raising=False
    )  # were it computed there again
    monkeypatch.setattr(programme_module, "_TABLES", {})
    monkeypatch.setattr(programme_module, "_PROGRAMMES", {})
    programme_of(six)
    manifest = Manifest(tmp_path, {f"{s}/{YEAR}": Entry(s, YEAR, "f", "done", 1.0) for s in six.sites.index})
    write_index(six, manifest, tmp_path)
    assert len(calls) == 1

"""bench/synthetic.py: the benchmark's data must stay valid and varied, or the figures mean nothing."""

from __future__ import annotations

import importlib.util

from conftest import ROOT

from impact_kit.data.observations import load_observations, load_sites


def test_make_sample_is_valid_varied_and_seeded(synthetic, tmp_path, grid):
    folder = synthetic.make_sample(tmp_path / "a", 60, seed=3)
    sites = load_sites(folder)
    obs = load_observations(folder, grid=grid, sites=sites)  # raises if anything is invalid
    assert len(sites) == 60 and sites.index.is_unique
    assert set(obs["site"]) <= set(sites.index)
    assert sorted(obs["year"].unique()) == [2021, 2022, 2023]
    per_year = obs.groupby("year")["site"].nunique()
    assert per_year[2021] < per_year[2022]  # templates with fewer years start later
    template = load_observations(synthetic.SAMPLE, grid=grid)
    testimonies = obs["question"] == "testimony"
    assert set(obs["value"][testimonies]) <= set(template["value"][template["question"] == "testimony"])  # verbatim
    assert obs.groupby(["site", "year"]).size().nunique() > template.groupby(["site", "year"]).size().nunique()
    again = synthetic.make_sample(tmp_path / "b", 60, seed=3)
    assert (again / "observations.csv").read_bytes() == (folder / "observations.csv").read_bytes()
    other = synthetic.make_sample(tmp_path / "c", 60, seed=4)
    assert (other / "observations.csv").read_bytes() != (folder / "observations.csv").read_bytes()


def test_the_portfolio_benchmark_runs_on_the_sample(tmp_path, capsys):
    """bench/portfolio.py's stages on the sample (it once called a function the split had moved)."""
    spec = importlib.util.spec_from_file_location("bench_portfolio", ROOT / "bench" / "portfolio.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stages = module.run(ROOT / "data", 2023, tmp_path)
    assert [name for name, _, _ in stages][-1] == "write indicators.csv"
    assert (tmp_path / "indicators.csv").is_file() and "5 sites reporting in 2023" in capsys.readouterr().out

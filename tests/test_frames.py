"""render.frames: a chart drawn on a frame kept from other reports is the one a new figure draws, byte for byte."""

from __future__ import annotations

import importlib.util
import re

import pytest
from conftest import ROOT

from impact_kit.data.dataset import load_dataset
from impact_kit.render import fit, frames
from impact_kit.reports.site import CHARTS, SiteReport


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    """Eight synthetic sites over 2021-2023: other years, values, publics and coverage from site to site."""
    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "bench" / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    dataset = load_dataset(synthetic.make_sample(tmp_path_factory.mktemp("varied"), 8, seed=5))
    pairs = sorted({(str(s), int(y)) for s, y in dataset.observations[["site", "year"]].itertuples(index=False)})
    return dataset, pairs


def charts_of(dataset, pair, lang):
    report = SiteReport.load(*pair, data=dataset, lang=lang, programme=False)
    return [str(report.chart(name)) for name in CHARTS]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_kept_frames_draw_what_new_figures_draw(varied, lang, monkeypatch):
    dataset, pairs = varied
    new = {}
    for pair in pairs:
        frames._FRAMES.clear()
        new[pair] = charts_of(dataset, pair, lang)
    frames._FRAMES.clear()
    measured = []
    measure = fit.fit_axes
    monkeypatch.setattr(frames, "fit_axes", lambda figure: measured.append(figure) or measure(figure))
    for pair in reversed(pairs):  # another order: each report meets frames the others left
        assert charts_of(dataset, pair, lang) == new[pair], pair
    drawings = 2 * len(CHARTS) * len(pairs)
    kept = len(frames._FRAMES)
    # Frames were kept (fewer than one per drawing), and so were fits: fewer measures than drawings.
    assert kept < drawings / 2 and len(measured) < drawings / 2, (drawings, kept, len(measured))


def test_marks_that_leave_the_axes_are_fitted_anew_as_a_new_figure_is(monkeypatch):
    """A mark past the Axes (a long value after a full bar) widens the tight box: the kept fit no longer holds."""
    import pandas as pd

    from impact_kit.render.figures import inline_svg

    def marks(ax, table, lang):
        ax.barh([0], [table.iloc[0, 0]])
        ax.annotate(f"{table.iloc[0, 0]:.0f} / {table.iloc[0, 1]}", (table.iloc[0, 0], 0), xytext=(3, 0),
                    textcoords="offset points", va="center")  # fmt: skip

    def frame(ax, table, lang):
        ax.set_xlim(0, 110)
        ax.set_yticks([0], ["Lien social"])
        ax.set_title("Couverture", loc="left")

    monkeypatch.setitem(frames.LAYERS, "probe", (marks, frame, lambda table: ()))
    inside = pd.DataFrame({"value": [50.0], "of": ["4"]})
    past = pd.DataFrame({"value": [100.0], "of": ["4 questions, dont 2 ajoutées par le réseau en 2023"]})

    def svg(table, *, keep: bool) -> str:
        if not keep:
            frames._FRAMES.clear()
        figure, box = frames.drawing("probe", table, lang="fr", size=(3.3, 2.0))
        return inline_svg(figure, label="", prefix="t-", box=box)

    new = {id(table): svg(table, keep=False) for table in (inside, past)}
    width = [re.search(r'<clipPath id="t-(\w+)">\s*<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', new[id(t)])[2]
             for t in (inside, past)]  # fmt: skip
    assert width[0] != width[1]  # the Axes gave room to the long value
    svg(inside, keep=False)
    assert svg(past, keep=True) == new[id(past)]  # the fit kept from `inside` does not hold
    assert svg(inside, keep=True) == new[id(inside)]  # nor the one from `past`

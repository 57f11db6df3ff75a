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


def _bars(change=None):
    """A small bar chart on a new figure, fitted, with ``change`` applied to its Axes."""
    from matplotlib.figure import Figure

    from impact_kit.render.charts import chart_style
    from impact_kit.render.fit import fit_axes

    with chart_style():
        figure = Figure(figsize=(3.3, 2.0))
        ax = figure.add_subplot()
        ax.barh([0, 1], [40, 75])
        ax.set_xlim(0, 110)
        ax.set_yticks([0, 1], ["Lien social", "Emploi"])
        ax.set_xlabel("part des questions")
        fit_axes(figure)
        if change:
            change(ax)
    return figure, ax


def _svg(figure):
    from matplotlib.transforms import Bbox

    from impact_kit.render.figures import inline_svg

    return inline_svg(figure, label="", prefix="t-", box=Bbox.from_extents(0, 0, 3.3, 2.0))


CHANGES = {
    "view limits": lambda ax: ax.set_xlim(0, 150),
    "ticks and their labels": lambda ax: ax.set_yticks([0, 1], ["Lien", "Emploi local"]),
    "tick parameters": lambda ax: ax.tick_params(labelsize=11),
    "the axis label's text": lambda ax: ax.xaxis.label.set_text("share of questions"),
    "the axis label's colour": lambda ax: ax.xaxis.label.set_color("#D55E00"),
    "a hidden label shown": lambda ax: ax.set_ylabel("critère"),
    "the formatter": lambda ax: ax.xaxis.set_major_formatter("{x:.0f} %"),
    "the Axes' place": lambda ax: ax.set_position((0.3, 0.2, 0.6, 0.7)),
}


def test_kept_axes_are_written_again_not_drawn_while_unchanged(monkeypatch):
    """replay.keep_axes: an Axis drawn a second time unchanged is recorded, a third time it is written from the record."""
    from matplotlib.axis import Axis

    from impact_kit.render.replay import keep_axes

    drawn = []
    draw = Axis.draw
    monkeypatch.setattr(Axis, "draw", lambda self, renderer: drawn.append(self) or draw(self, renderer))
    figure, ax = _bars()
    expected = _svg(_bars()[0])
    keep_axes(ax)
    before = len(drawn)
    outputs = [_svg(figure) for _ in range(4)]
    assert outputs == [expected] * 4
    # Drawn twice (new, then recorded), then written again: 2 drawings of each of its 2 axes, not 4.
    assert len(drawn) - before == 2 * 2


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_kept_axis_that_changed_is_drawn_anew(change):
    """Whatever changed since an Axis was recorded, its SVG is the one a new figure with that change gives."""
    from impact_kit.render.replay import keep_axes

    figure, ax = _bars()
    keep_axes(ax)
    for _ in range(3):
        _svg(figure)  # new, recorded, written again
    CHANGES[change](ax)
    expected = _svg(_bars(CHANGES[change])[0])
    assert [_svg(figure) for _ in range(3)] == [expected] * 3


def test_an_axis_changed_before_each_drawing_is_drawn_each_time():
    """A drawing made just after a change is not kept: the next change, before the next drawing, would look the same."""
    from impact_kit.render.replay import keep_axes

    figure, ax = _bars()
    keep_axes(ax)
    for labels in (["Lien", "Emploi"], ["Santé", "Culture"], ["Lien social", "Emploi local"]):
        change = lambda ax, labels=labels: ax.set_yticks([0, 1], labels)  # noqa: E731
        change(ax)
        assert _svg(figure) == _svg(_bars(change)[0]), labels


def test_a_kept_axis_uses_only_glyphs_its_own_svg_defines():
    """With text drawn as paths (matplotlib's default), an Axis may reuse glyphs an earlier artist defined.

    The renderer's glyph map is part of the replay's key: once the other axis changes and
    defines other glyphs, this one is drawn again, with its own definitions.
    """
    import io

    import matplotlib as mpl
    from matplotlib.figure import Figure

    from impact_kit.render.fit import SVGCanvas
    from impact_kit.render.replay import keep_axes

    def make(letters=False):
        figure = Figure(figsize=(3, 2))
        ax = figure.add_subplot()
        ax.plot([0, 1], [0, 1])
        ax.set_xticks([0, 0.5, 1], ["a", "b", "c"] if letters else ["0.2468", "1.", "0.0"])
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        return figure, ax

    def svg(figure):
        SVGCanvas(figure)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()

    with mpl.rc_context({"svg.hashsalt": "t", "svg.fonttype": "path"}):
        figure, ax = make()
        keep_axes(ax)
        for _ in range(3):
            svg(figure)
        ax.set_xticks([0, 0.5, 1], ["a", "b", "c"])
        assert svg(figure) == svg(make(letters=True)[0])

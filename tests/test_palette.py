"""Colours: every mark 3:1 and every text 4.5:1 against the page, light and dark (WCAG 2.1 1.4.3, 1.4.11).

The ratios are computed here from the palette and from report.css, not copied.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from impact_kit.render.charts import PALETTE, THEMES
from impact_kit.render.export import TEMPLATES_DIR

CSS = (TEMPLATES_DIR / "impact_report" / "report.css").read_text(encoding="utf-8")


def linear(colour: str) -> np.ndarray:
    rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio."""
    la, lb = (float(linear(c) @ [0.2126, 0.7152, 0.0722]) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def css_colours(block: str) -> dict[str, str]:
    return {name: value.lower() for name, value in re.findall(r"--ik-([a-z]+):\s*(#[0-9a-fA-F]{6})", block)}


def page_colours() -> dict[str, dict[str, str]]:
    light = CSS[CSS.index(":root {") : CSS.index("}", CSS.index(":root {"))]
    start = CSS.index("@media (prefers-color-scheme: dark)")
    dark = CSS[start : CSS.index("}", start)]
    return {"light": css_colours(light), "dark": css_colours(dark)}


def test_the_old_palette_failed_on_white():
    """The "Why" of issue 8: Okabe-Ito orange, pink and green under 3:1 on white."""
    assert round(contrast("#E69F00", "#ffffff"), 2) == 2.25
    assert round(contrast("#CC79A7", "#ffffff"), 2) == 3.06  # just above: the 3.06
    assert round(contrast("#009E73", "#ffffff"), 2) == 3.42


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_mark_has_3_to_1_against_the_background(mode):
    background = THEMES[mode]["background"]
    ratios = {colour: contrast(colour, background) for colour in PALETTE}
    assert min(ratios.values()) >= 3, ratios


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_chart_text_and_axes_have_4_5_to_1(mode):
    theme = THEMES[mode]
    assert contrast(theme["text"], theme["background"]) >= 4.5
    assert contrast(theme["muted"], theme["background"]) >= 4.5  # tick marks, axes, and the captions' text


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_page_declares_the_charts_colours(mode):
    page = page_colours()[mode]
    assert {name: page[name] for name in THEMES[mode]} == THEMES[mode]


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_page_text_has_4_5_to_1(mode):
    page = page_colours()[mode]
    for text, ground in [("text", "background"), ("muted", "background"), ("accent", "background"),
                         ("text", "quote"), ("accent", "quote"), ("muted", "quote"), ("focus", "background")]:  # fmt: skip
        assert contrast(page[text], page[ground]) >= 4.5, (mode, text, ground)


# Machado, Oliveira & Fernandes (2009), severity 1: what a protan, deutan or tritan viewer sees.
SIMULATIONS = {
    "protan": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deutan": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritan": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def lab(rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb, 0, 1)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("kind", sorted(SIMULATIONS))
def test_palette_stays_distinct_for_colour_blind_readers(kind):
    """Every pair of marks differs by a CIE76 distance of 15 or more once simulated (Okabe-Ito's own: 17)."""
    matrix = np.array(SIMULATIONS[kind])
    distances = {
        (a, b): float(np.linalg.norm(lab(matrix @ linear(a)) - lab(matrix @ linear(b))))
        for a, b in itertools.combinations(PALETTE, 2)
    }
    assert min(distances.values()) >= 15, distances

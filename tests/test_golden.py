"""Every sample site report is the one recorded in tests/data/golden, but for the date.

A change that alters a report on purpose records the new digests with
``python tools/golden.py`` and says why in its commit; any other change must leave them.
"""

from __future__ import annotations

import importlib.util
import json

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("golden", ROOT / "tools" / "golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def test_the_dated_lines_are_all_that_is_left_out():
    page = '<p class="ik-date">Rapport du 1er décembre 2026</p>x<footer class="ik-footer"><p>le 2</p></footer>'
    assert golden.digest(page) == golden.digest("x") != golden.digest("y")


def test_every_sample_site_report_is_as_recorded(sample_batch):
    out, _ = sample_batch
    recorded = json.loads(golden.GOLDEN.read_text(encoding="utf-8"))
    found = golden.digests(out)
    assert sorted(found) == sorted(recorded)  # the same 15 site-years
    changed = [job for job in recorded if found[job] != recorded[job]]
    assert not changed, f"{changed} differ from tests/data/golden; if meant, run tools/golden.py and say why"

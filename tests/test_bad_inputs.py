"""The corpus of broken, odd and faulty inputs: each gives its exit code and message, no traceback, no change.

Each folder of ``tests/data/bad/`` is a small project folder (``data/`` and place files)
with ``expected.yaml``: ``command`` (the arguments, run from inside the folder), ``exit``,
``message`` (fragments that stderr must hold) and ``file`` (the file or folder it must name).
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
import yaml
from conftest import snapshot

from impact_kit.cli import main

BAD = Path(__file__).parent / "data" / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())


def tree(folder: Path) -> tuple[dict[str, bytes], list[str]]:
    """Every file's bytes and every path (folders too): a failed command must change neither."""
    return snapshot(folder), sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_a_message_and_changes_nothing(case, tmp_path, monkeypatch, capsys):
    work = tmp_path / case
    shutil.copytree(BAD / case, work)
    expected = yaml.safe_load((work / "expected.yaml").read_text(encoding="utf-8"))
    monkeypatch.chdir(work)
    before = tree(work)
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # a warning is printed by the command, as for a user
        code = main([str(arg) for arg in expected["command"]])
    out, err = capsys.readouterr()
    assert code == expected["exit"], err
    assert "Traceback" not in err and "Traceback" not in out
    assert "\x1b" not in err, err  # a value's terminal escape sequences are printed, not run
    assert err.startswith("error: "), err
    for fragment in expected["message"]:
        assert fragment in err, err
    assert expected["file"] in err, err
    assert out == ""
    assert tree(work) == before

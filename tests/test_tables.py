from __future__ import annotations

import csv

import pytest

from impact_kit.data.read import read_table
from impact_kit.exceptions import InvalidData


def test_a_cell_longer_than_the_csv_module_default_is_read_whole(tmp_path):
    long = "é" * 131_073 + "\n" + "fin"
    path = tmp_path / "observations.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows([["site", "value"], ["a", long], ["b", "court"]])
    limit = csv.field_size_limit()
    table = read_table(path)
    assert table.frame["value"].tolist() == [long, "court"]
    assert table.rows == [2, 4]
    assert csv.field_size_limit() == limit  # the csv module's global limit is left as it was


def test_an_unclosed_quote_names_its_row(tmp_path):
    path = tmp_path / "observations.csv"
    path.write_text('site,value\na,ok\nb,"never closed\nc,x\n', encoding="utf-8")
    with pytest.raises(InvalidData) as info:
        read_table(path)
    [problem] = info.value.problems
    assert problem.row == 3 and "never closed" in problem.message


def test_a_stray_quote_names_its_row(tmp_path):
    path = tmp_path / "observations.csv"
    path.write_text('site,value\na,"ok\nok"\nb,"x"y\nc,x\n', encoding="utf-8")
    with pytest.raises(InvalidData) as info:
        read_table(path)
    [problem] = info.value.problems
    assert problem.row == 4 and "must be doubled" in problem.message

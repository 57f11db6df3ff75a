from __future__ import annotations

import csv
import warnings

import pytest

from impact_kit.data.read import EncodingWarning, read_table
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
    assert table.rows == [2, 3]  # spreadsheet rows: the newline inside the cell starts no row
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
    assert problem.row == 3 and "must be doubled" in problem.message  # b is the third row, after a's two lines


FAST_AND_SLOW = {
    "doubled quotes": b'site,value\na,"il a dit ""oui"""\nb,"x,y"\n',
    "newlines in cells": b'site,value\na,"l1\r\nl2\nl3\rl4"\r\nb,c\r\n',
    "blank lines": b"site,value\n\na,b\n\n\nc,d\n",
    "short rows": b"site,value,extra\na,b\nc\n,,\nd,e,f\n",
    "byte order mark": b"\xef\xbb\xbfsite,value\na,b\n",
    "semicolons": "site;value\né;« dit »\n".encode("cp1252"),
    "spaces kept": b'site,value\n  a  , " b "\n',
    "quote inside a cell": b'site,value\na,b"c\n',
    "no final line end": b'site,value\na,"b"',
    "carriage returns only": b"site,value\ra,b\rc,d",
    "empty last cells": b"site,value,\na,b,\n",
}


@pytest.mark.parametrize("name", FAST_AND_SLOW)
def test_the_fast_reader_reads_what_the_csv_module_reads(name, tmp_path):
    from impact_kit.data.csv_read import _quotes_close, _read_csv_fast, _read_csv_records

    raw = FAST_AND_SLOW[name]
    path = tmp_path / "observations.csv"
    path.write_bytes(raw)
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "cp1252" if b"\xe9" in raw else "utf-8"
    separator = ";" if b";" in raw else ","
    assert _quotes_close(raw, separator)
    fast = _read_csv_fast(path, raw, encoding, separator)
    slow = _read_csv_records(path, raw, encoding, separator)
    assert fast is not None
    assert fast.rows == slow.rows
    assert list(fast.frame.columns) == list(slow.frame.columns)
    assert fast.frame.astype(object).values.tolist() == slow.frame.values.tolist()
    # Blank records dropped before parsing (issue 29, Build 5) change no cell and no row number.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EncodingWarning)  # the cp1252 case says so
        whole = read_table(path)
    assert whole.rows == slow.rows and whole.ragged == slow.ragged
    assert whole.frame.astype(object).values.tolist() == slow.frame.values.tolist()


@pytest.mark.parametrize(
    "raw", [b'site,value\na,"b"c\n', b'site,value\na,"b\n', b'site,value\n"a" ,b\n', b'site;value\na;"b";"c"d\n']
)
def test_quotes_the_csv_module_refuses_are_left_to_it(raw):
    from impact_kit.data.csv_read import _quotes_close

    assert not _quotes_close(raw, ";" if b";" in raw else ",")


def test_a_file_with_a_stray_quote_deep_inside_names_its_spreadsheet_row(tmp_path):
    lines = ["site,value"] + [f'a{i},"cell\n{i}"' for i in range(50)] + ['b,"x"y']
    path = tmp_path / "observations.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidData) as info:
        read_table(path)
    assert info.value.problems[0].row == 52

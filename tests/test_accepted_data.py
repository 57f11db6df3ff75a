"""What `validate` accepts, every command and output takes (issue 29, Why 10, Build 8): one property test.

Hypothesis builds data folders at validate's extremes: the longest site id, names and
cells (a testimony longer than the csv module's default field limit), a character of
every Unicode category in every text (control characters, format characters, private
use, unassigned, line and paragraph separators), every spelling of a number that
`validate` reads (``3,5``, ``1e3``, ``+0012``, ``١٢``, full-width digits, ``1_2``,
surrounding Unicode spaces), years at both ends of the range (1990 and 2100) spelled the
same ways, option ids in surrounding spaces, every option of every multiple choice, an
empty site name, a testimony of spaces only, a level the source did not ask.

Each folder that validate accepts then goes through every command with every option:
`batch --pdf --docx --pseudonymise --timeout` (the index, the manifest), `report --pdf
--docx --lang en`, `portfolio --pdf --docx --lang en`, `form workbook`, and the import's
next run (`import kobo --new-sites` into a folder whose `observations-kobo.csv` and
`sites.csv` hold those rows): none may fail, and the import keeps the rows as they were.

Each example costs about half a minute (kernels, Chromium): a few examples, no shrinking.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
import tempfile
import unicodedata
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from impact_kit.cli import main
from impact_kit.data.observations import YEAR_RANGE, ExtraColumnsWarning, load_observations
from impact_kit.data.sites import MAX_ID_LENGTH, load_sites
from impact_kit.grid.file import default_grid

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
KOBO = ROOT / "tests" / "data" / "exports" / "kobo-xml.xlsx"
GRID = default_grid()
#: Every general category but surrogates (no file can hold one: UTF-8 has no spelling for it).
CATEGORIES = sorted({unicodedata.category(chr(c)) for c in range(sys.maxunicode + 1)} - {"Cs"})
LOW, HIGH = YEAR_RANGE
#: What validate refuses in any text: a NUL byte says the file is not a text CSV (UTF-16, binary).
NOT_ACCEPTED = "\x00"


def every_category() -> st.SearchStrategy[str]:
    """One character of each Unicode category (drawn once per folder: every text holds them all)."""
    return st.tuples(*(st.characters(categories=[c], exclude_characters=NOT_ACCEPTED) for c in CATEGORIES)).map("".join)


def extreme_text(draw: st.DrawFn, palette: str, *, longest: int = 0) -> str:
    """Text around ``palette`` (a character of every category), turned; ``longest`` characters, if given."""
    turn = draw(st.integers(0, len(palette) - 1))
    free = draw(st.text(st.characters(exclude_categories=["Cs"], exclude_characters=NOT_ACCEPTED), max_size=3))
    text = free + palette[turn:] + palette[:turn]
    if longest:  # letters, spaces, soft hyphens: a bidi control in a long paragraph takes Chromium minutes
        text = free
        # Not a run of bidi controls: Chromium takes minutes to lay out 131,000 of them (see CHANGELOG).
        text = (text + draw(st.sampled_from("xé字\u00ad ")) * longest)[:longest]
    return text


def spelled(number: str) -> st.SearchStrategy[str]:
    """A number (written with ASCII digits and "."), in one of the spellings `validate` reads."""
    digits = {
        "ascii": str.maketrans("", ""),
        **{
            script: str.maketrans("0123456789", "".join(chr(zero + i) for i in range(10)))
            for script, zero in (("arabic-indic", 0x660), ("full-width", 0xFF10), ("devanagari", 0x966))
        },
    }

    def spell(choice: tuple[str, str, str, str]) -> str:
        how, script, before, after = choice
        text = {
            "plain": number,
            "comma": number.replace(".", ","),
            "point-zero": number + ".0" if "." not in number and "e" not in number else number,
            "plus": "+" + number if not number.startswith("-") else number,
            "zeros": "00" + number if number[:1].isdigit() else number,
            "exponent": f"{float(number):.15e}".replace("e", "E"),
            "underscore": number[0] + "_" + number[1:] if number[1:2].isdigit() and number[:1].isdigit() else number,
        }[how]
        return before + text.translate(digits[script]) + after

    spaces = st.sampled_from(["", " ", "\t", "\u00a0", "\u2003", "\u3000", "\x1f", "\x85"])
    hows = st.sampled_from(["plain", "comma", "point-zero", "plus", "zeros", "exponent", "underscore"])
    return st.tuples(hows, st.sampled_from(sorted(digits)), spaces, spaces).map(spell)


def answer_rows(draw: st.DrawFn, palette: str, site: str, year: str, *, long_testimony: bool) -> list[list[str]]:
    """One answer to every question of the grid (every option of a multiple choice), at its extremes."""
    rows = []
    unasked = draw(st.sampled_from([None, *(level.id for level in GRID.levels)]))
    for owner in [*GRID.criteria, *GRID.levels]:
        if owner.id == unasked:
            rows.append([site, year, owner.id, "asked", "no"])
            continue
        for question in owner.questions:
            pad = draw(st.sampled_from(["", " ", "\u00a0", "\t"]))
            if question.type == "single":
                values = [pad + draw(st.sampled_from([o.id for o in question.options])) + pad]
            elif question.type == "multi":
                values = [pad + o.id for o in question.options]
                if question.open:
                    values.append(extreme_text(draw, palette))
            elif question.type == "scale":
                values = [draw(spelled(str(int(draw(st.sampled_from([question.min, question.max]))))))]
            elif question.type == "number":
                values = [draw(spelled(draw(st.sampled_from(["0", "999999999999", "5e-324", "0.5", "12"]))))]
            elif question.type == "testimony":
                values = [extreme_text(draw, palette)]
                if long_testimony and question.id == "testimony" and owner.id == GRID.criteria[0].id:
                    values = [
                        extreme_text(draw, palette, longest=131_073 + 1)
                    ]  # the csv module's default limit, passed
            else:  # keywords, text: free answers
                values = [f"{i}{extreme_text(draw, palette)}" for i in range(2 if question.type == "keywords" else 1)]
            rows += [[site, year, owner.id, question.id, value] for value in values]
    rows.append([site, year, GRID.criteria[-1].id, "testimony", draw(st.sampled_from(["   ", "\t", "\u2028"]))])
    return rows


@st.composite
def folders(draw: st.DrawFn) -> Folder:
    """The rows of a sites.csv and an observations-kobo.csv that sit at validate's extremes, and how they are written."""
    palette = draw(every_category())
    words = draw(st.lists(st.from_regex(r"[a-z0-9]{1,9}", fullmatch=True), min_size=2, max_size=12))
    longest = ("-".join(words) + "-" + "z" * MAX_ID_LENGTH)[:MAX_ID_LENGTH].rstrip("-")
    shortest = draw(st.sampled_from(["0", "z", "9-9"]))
    sites = [
        ["site", "name", "city", "postcode", "kind"],
        [
            longest,
            extreme_text(draw, palette, longest=2000),
            extreme_text(draw, palette),
            extreme_text(draw, palette),
            extreme_text(draw, palette),
        ],
        [shortest, draw(st.sampled_from(["", " ", "\u0301", "\u200f"])), "", "", extreme_text(draw, palette)],
    ]
    low, high = draw(spelled(str(LOW))), draw(spelled(str(HIGH)))
    observations = [["site", "year", "criterion", "question", "value"]]
    observations += answer_rows(draw, palette, longest, low, long_testimony=False)
    observations += answer_rows(draw, palette, longest, high, long_testimony=True)
    observations += answer_rows(draw, palette, shortest, draw(spelled(str(HIGH))), long_testimony=False)
    order = draw(st.permutations(range(1, len(observations))))
    observations = [observations[0], *(observations[i] for i in order)]
    return Folder(
        sites, observations, draw(st.sampled_from(["utf-8", "utf-8-sig"])), draw(st.sampled_from([",", ";"])), longest
    )


class Folder:
    """A data folder's rows and how they are written; its repr is short (a testimony is 131 KB)."""

    def __init__(
        self, sites: list[list[str]], observations: list[list[str]], encoding: str, separator: str, site: str
    ) -> None:
        self.sites, self.observations, self.encoding, self.separator, self.site = (
            sites, observations, encoding, separator, site,
        )  # fmt: skip

    def __repr__(self) -> str:
        years = sorted({row[1] for row in self.observations[1:]})
        return (
            f"Folder(sites={[row[:2] for row in self.sites[1:]]!r:.300}, years={years!r}, "
            f"{len(self.observations) - 1} observations, encoding={self.encoding!r}, separator={self.separator!r})"
        )


def write(path: Path, rows: list[list[str]], *, encoding: str, separator: str) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=separator, lineterminator="\r\n").writerows(rows)


def rows(observations: pd.DataFrame) -> list[tuple[str, ...]]:
    """The observations as a sorted list of rows (what an import may reorder)."""
    return sorted(observations[["site", "year", "criterion", "question", "value"]].astype(str).itertuples(index=False))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err, (argv, err[-3000:])
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} does not exist (apt-get install chromium)")
@settings(
    max_examples=int(os.environ.get("IMPACT_KIT_EXAMPLES", "2")),
    deadline=None,
    database=None,
    phases=[Phase.generate],  # an example takes half a minute: no shrinking; the failing one is printed whole
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(folder=folders())
def test_what_validate_accepts_every_command_and_output_takes(folder, capsys, monkeypatch):
    monkeypatch.setenv("IMPACT_KIT_BROWSER", CHROMIUM)
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        data, out = root / "data", root / "reports"
        data.mkdir()
        how = {"encoding": folder.encoding, "separator": folder.separator}
        write(data / "sites.csv", folder.sites, **how)
        write(data / "observations-kobo.csv", folder.observations, **how)
        capsys.readouterr()
        if main(["validate", "--data", str(data)]) != 0:  # the property is about what validate accepts
            pytest.fail(f"the generator wrote data validate refuses: {capsys.readouterr().err[-3000:]}")
        capsys.readouterr()
        sites, observations = load_sites(data), load_observations(data)
        assert sorted(observations["year"].unique()) == [LOW, HIGH]

        common = ["--data", str(data), "--out", str(out)]
        run(capsys, "batch", *common, "--pdf", "--docx", "--pseudonymise", "--timeout", "600")
        reports = sorted(out.glob("*/*/report.html"))
        assert len(reports) == 3
        for page in reports:
            names = sorted(p.name for p in page.parent.iterdir())
            assert names == ["report.docx", "report.html", "report.ipynb", "report.pdf"], names
        assert (out / "index.html").is_file() and (out / "manifest.json").is_file()

        site = folder.site
        alone = root / "alone"
        run(
            capsys,
            "report",
            site,
            str(HIGH),
            "--data",
            str(data),
            "--out",
            str(alone),
            "--lang",
            "en",
            "--pdf",
            "--docx",
        )
        assert (alone / site / str(HIGH) / "report.pdf").read_bytes()[:5] == b"%PDF-"
        run(capsys, "portfolio", str(HIGH), *common, "--lang", "en", "--pdf", "--docx", "--pseudonymise")
        assert (out / "portfolio" / str(HIGH) / "report.pdf").is_file()
        for docx in out.rglob("report.docx"):
            with zipfile.ZipFile(docx) as archive:  # a whole Word file
                assert archive.testzip() is None and "word/document.xml" in archive.namelist()

        forms = root / "forms"
        run(capsys, "form", "workbook", "--data", str(data), "--year", str(HIGH), "--out", str(forms))
        assert len(list(forms.glob("*.xlsx"))) == 2

        run(capsys, "import", "kobo", str(KOBO), "--data", str(data), "--new-sites")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExtraColumnsWarning)  # the import's `submission` column
            run(capsys, "validate", "--data", str(data))
            kept = load_observations(data)
        after = load_sites(data)
        assert after.loc[sites.index].equals(sites)  # the import's rewrite of sites.csv keeps the rows as they were
        assert rows(kept[kept["site"].isin(sites.index)]) == rows(observations)  # and the observations file's


def test_word_takes_a_long_site_name_and_control_characters_in_its_text_and_charts():
    """What the property test found in Word output: a title over 255 characters, a \\x1f in a chart's SVG."""
    import io

    import docx

    from impact_kit.render.docx import docx_bytes

    chart = '<svg width="100pt" height="50pt" viewBox="0 0 100 50"><text x="1" y="20">a\x1fb &#31;</text></svg>'
    page = f'<html lang="fr"><head><title>t</title></head><body><main><h1>Titre</h1><p>a\x1fb</p>{chart}</main></body></html>'
    document = docx.Document(io.BytesIO(docx_bytes(page, lang="fr", title="T" * 300 + "\x15", footer="f")))
    assert document.core_properties.title == "T" * 254 + "…"
    assert [p.text for p in document.paragraphs][:2] == ["Titre", "a\ufffdb"] and len(document.inline_shapes) == 1


def test_the_import_s_next_run_reads_years_as_validate_does(tmp_path, capsys):
    """Found by the property test: a year validate reads (`٢٠٣٠`, `2030.0`) in the import's own file was int()'s traceback."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(ROOT / "data" / "sites.csv", data / "sites.csv")
    spellings = ["\u0662\u0660\u0663\u0660", "2030.0", " 2,031E3 "]
    rows = [["site", "year", "criterion", "question", "value"]]
    rows += [["the-good-start", year, "lien_social", "testimony", f"texte {i}"] for i, year in enumerate(spellings)]
    write(data / "observations-kobo.csv", rows, encoding="utf-8", separator=",")
    assert main(["validate", "--data", str(data)]) == 0
    run(capsys, "import", "kobo", str(KOBO), "--data", str(data))
    with (data / "observations-kobo.csv").open(encoding="utf-8", newline="") as handle:
        kept = [row for row in csv.reader(handle) if "texte" in row[4]]
    assert [row[1] for row in kept] == spellings  # kept as written


def test_a_word_table_measures_text_no_font_draws_without_a_warning():
    """Found by the property test: DEL (U+007F) in a site name made matplotlib warn while Word's table was measured."""
    import warnings

    from impact_kit.render.docx_layout import text_points

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert text_points("Café\x7f 東京", 10) > 0

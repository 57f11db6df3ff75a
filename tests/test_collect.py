"""From the grid to a questionnaire and back: exports of Kobo, ODK Central and the workbook import losslessly."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from dialects import Filled, fill_workbook, kobo_table, odk_table, write_csv, write_xlsx, write_zip, xlsform_fields
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impact_kit.cli import main
from impact_kit.data.observations import ExtraColumnsWarning, load_observations
from impact_kit.forms.layout import form_fields
from impact_kit.forms.workbook import write_workbook
from impact_kit.forms.xlsform import write_xlsform
from impact_kit.grid.file import default_grid
from impact_kit.importers.kobo import read_kobo
from impact_kit.importers.odk import read_odk
from impact_kit.importers.workbook import read_workbook

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "data" / "exports"
GRID = default_grid()
with tempfile.TemporaryDirectory() as _folder:
    # The exports of the round trip are built from the XLSForm file the command writes, as a tool reads it.
    FIELDS = xlsform_fields(write_xlsform(GRID, Path(_folder) / "form.xlsx"), GRID)
SITES = pd.read_csv(ROOT / "data" / "sites.csv", dtype=str, keep_default_na=False).set_index("site")


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "sites.csv", folder)
    return folder


def tidy(frame):
    columns = ["site", "year", "criterion", "question", "value"]
    return sorted(tuple(map(str, r)) for r in frame[columns].itertuples(index=False))


def expected():
    return tidy(pd.read_csv(EXPORTS / "expected.csv", dtype=str, keep_default_na=False))


@pytest.mark.parametrize(
    ("source", "files"),
    [
        ("kobo", ["kobo-labels-fr.csv"]),
        ("kobo", ["kobo-xml.xlsx"]),
        ("odk", ["odk-central.csv"]),
        ("odk", ["odk-central.csv.zip"]),
        ("workbook", ["workbook-coeur-de-friche-exemple_2022.xlsx", "workbook-l-atelier-du-canal-exemple_2023.xlsx"]),
    ],
)
def test_each_export_imports_to_the_observations_it_was_filled_from(data, source, files, capsys):
    code = main(["import", source, *(str(EXPORTS / f) for f in files), "--data", str(data)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.split("\n")[:2] == ["coeur-de-friche-exemple 2022", "l-atelier-du-canal-exemple 2023"]
    written = data / f"observations-{source}.csv"
    assert f"to {written}" in err and "read " in err
    frame = pd.read_csv(written, dtype=str, keep_default_na=False)
    assert tidy(frame) == expected()
    assert frame["submission"].nunique() == 2 and (frame["submission"] != "").all()
    with pytest.warns(ExtraColumnsWarning, match="submission"):
        assert tidy(load_observations(data, grid=GRID)) == expected()  # the data layer validates it


def test_import_never_rewrites_a_persons_file_and_replaces_only_its_own(data, capsys):
    export = str(EXPORTS / "odk-central.csv")
    (data / "observations.csv").write_text(
        "site,year,criterion,question,value\nthe-good-start,2021,sante,effects,discomfort\n"
    )
    before = (data / "observations.csv").read_bytes()
    assert main(["import", "odk", export, "--data", str(data)]) == 0
    assert main(["import", "odk", export, "--data", str(data)]) == 2
    assert "already holds observations of" in capsys.readouterr().err
    assert main(["import", "odk", export, "--data", str(data), "--replace"]) == 0
    assert (data / "observations.csv").read_bytes() == before
    assert tidy(pd.read_csv(data / "observations-odk.csv", dtype=str, keep_default_na=False)) == expected()


def test_a_column_the_form_lacks_is_named_and_a_new_site_can_be_added(data, tmp_path, capsys):
    sub = Filled("Le Nouveau Lieu", "Brest", 2024, [("sante", "effects", "discomfort")])
    header, rows = kobo_table(GRID, [sub], lang="fr", sep="/")
    export = write_csv(tmp_path / "kobo.csv", [*header, "Remarques"], [[*rows[0], "à revoir"]], delimiter=";")
    assert main(["import", "kobo", str(export), "--data", str(data)]) == 2
    assert "'Le Nouveau Lieu' (Brest) is not in sites.csv" in capsys.readouterr().err
    assert main(["import", "kobo", str(export), "--data", str(data), "--new-sites"]) == 0
    err = capsys.readouterr().err
    assert "the form has no column `remarques`" in err and "added to sites.csv: le-nouveau-lieu" in err
    sites = pd.read_csv(data / "sites.csv", dtype=str, keep_default_na=False)
    assert sites.iloc[-1][["site", "name", "city"]].tolist() == ["le-nouveau-lieu", "Le Nouveau Lieu", "Brest"]


def test_two_new_places_with_one_slug_are_never_merged(data, tmp_path, capsys):
    subs = [Filled("Le Café", "Paris", 2023, [("sante", "effects", "discomfort")]),
            Filled("Le Cafe !", "Lyon", 2024, [("sante", "effects", "discomfort")])]  # fmt: skip
    header, rows = odk_table(GRID, subs)
    export = write_csv(tmp_path / "odk.csv", header, rows)
    before = (data / "sites.csv").read_bytes()
    assert main(["import", "odk", str(export), "--data", str(data), "--new-sites"]) == 2
    assert "would be site 'le-cafe', like the different place 'Le Café' (Paris)" in capsys.readouterr().err
    assert (data / "sites.csv").read_bytes() == before and not (data / "observations-odk.csv").exists()


def _grid_with_labels(labels):
    """The grid with the French labels of the first options of its first multi-choice question replaced."""
    level, criterion = GRID.levels[0], GRID.levels[0].criteria[0]
    question = next(q for q in criterion.questions if q.type == "multi" and len(q.options) >= len(labels))
    options = tuple(
        replace(o, labels={**o.labels, "fr": label}) for o, label in zip(question.options, labels, strict=False)
    )
    new = replace(question, options=options + question.options[len(labels) :])
    criterion = replace(criterion, questions=tuple(new if q is question else q for q in criterion.questions))
    level = replace(level, criteria=(criterion, *level.criteria[1:]))
    return replace(GRID, levels=(level, *GRID.levels[1:])), criterion.id, new


def test_a_label_summary_that_reads_two_ways_is_refused(tmp_path):
    grid, owner, question = _grid_with_labels(["vie", "quotidienne", "vie quotidienne"])
    ids = [o.id for o in question.options]
    sub = Filled("the-good-start", "", 2024, [(owner, question.id, ids[0]), (owner, question.id, ids[3])])
    header, rows = kobo_table(grid, [sub], lang="fr", multiple="summary")
    subs, problems, _ = read_kobo(write_csv(tmp_path / "k.csv", header, rows), grid)
    assert problems == [] and sorted(subs[0].rows) == sorted(sub.rows)  # one reading only: accepted
    column = header.index(question.label("fr"))
    rows[0][column] = "vie quotidienne"
    _, problems, _ = read_kobo(write_csv(tmp_path / "k.csv", header, rows), grid)
    assert len(problems) == 1 and problems[0].row == 2 and problems[0].column == question.label("fr").lower()
    assert "several sets of options" in problems[0].message and "one column per option" in problems[0].message
    rows[0][column] = "vie nulle part"
    _, problems, _ = read_kobo(write_csv(tmp_path / "k.csv", header, rows), grid)
    assert len(problems) == 1 and "not an option" in problems[0].message


def test_the_xlsform_file_says_what_the_importer_reads():
    def summary(fields):
        return [(f.name, f.kind, dict(f.labels), [g.name for g in f.path], [(c.name, dict(c.labels)) for c in f.choices])
                for f in fields]  # fmt: skip

    assert summary(FIELDS) == summary(form_fields(GRID))


# The round trip, as a property: any valid answers, through any dialect, come back the same.
_WORDS = st.text(st.characters(categories=("L", "N", "Zs", "Pd")), min_size=1, max_size=12).map(str.strip)
_LINE = _WORDS.filter(bool)
_TESTIMONY = st.text(st.characters(categories=("L", "N", "Zs", "Pd", "Po"), include_characters="\n"), min_size=1)


@st.composite
def site_year_answers(draw):
    rows = []
    for owner, question in GRID.iter_questions():
        if not draw(st.booleans()):
            continue
        ids = [o.id for o in question.options]
        if question.type == "single":
            values = [draw(st.sampled_from(ids))]
        elif question.type == "multi":
            values = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids))) if ids else []
            if question.open:
                labels = {label for o in question.options for label in (o.id, *o.labels.values())}
                values += draw(
                    st.lists(_LINE.filter(lambda t, labels=labels: t not in labels), unique=True, max_size=2)
                )
        elif question.type in ("number", "scale"):
            low, high = int(question.min or 0), int(question.max) if question.max is not None else 10**6
            values = [str(draw(st.integers(low, high)))]
        elif question.type == "keywords":
            values = draw(st.lists(_LINE, unique=True, min_size=1, max_size=3))
        elif question.type == "testimony":
            values = [draw(_TESTIMONY)]
        else:
            values = [draw(_LINE)]
        rows += [(owner, question.id, v) for v in values]
    return rows


_DIALECTS = st.one_of(
    st.fixed_dictionaries({"tool": st.just("kobo"), "lang": st.none(), "sep": st.sampled_from([None, "/", "::"]),
                           "multiple": st.sampled_from(["summary", "details", "both"]),
                           "file": st.sampled_from(["csv;", "csv,", "xlsx"])}),
    st.fixed_dictionaries({"tool": st.just("kobo"), "lang": st.sampled_from(["fr", "en"]),
                           "sep": st.sampled_from([None, "/", " > "]), "multiple": st.sampled_from(["details", "both"]),
                           "file": st.sampled_from(["csv;", "xlsx"])}),
    st.fixed_dictionaries({"tool": st.just("odk"), "group_paths": st.booleans(), "split": st.booleans(),
                           "file": st.sampled_from(["csv", "zip"])}),
    st.fixed_dictionaries({"tool": st.just("workbook"), "lang": st.sampled_from(["fr", "en"]), "say_no": st.booleans()}),
)  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=st.lists(st.tuples(st.sampled_from(list(SITES.index)), st.integers(1990, 2100)), min_size=1, max_size=3,
                   unique=True),
    answers=st.lists(site_year_answers(), min_size=3, max_size=3),
    dialect=_DIALECTS,
    by_name=st.booleans(),
)  # fmt: skip
def test_round_trip_through_every_dialect(pairs, answers, dialect, by_name):
    subs = [
        Filled(SITES.loc[s, "name"] if by_name else s, SITES.loc[s, "city"] if by_name else "", y, rows)
        for (s, y), rows in zip(pairs, answers, strict=False)
    ]
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("error")
        path, tool = Path(folder), dialect["tool"]
        if tool == "workbook":
            read = []
            for sub in subs:
                book = write_workbook(GRID, sub.site, sub.year, path / f"{len(read)}.xlsx", lang=dialect["lang"])
                read += read_workbook(fill_workbook(book, GRID, sub, lang=dialect["lang"], say_no=dialect["say_no"]),
                                      GRID)[0]  # fmt: skip
            problems: list = []
        else:
            if tool == "kobo":
                header, rows = kobo_table(GRID, subs, lang=dialect["lang"], sep=dialect["sep"],
                                          multiple=dialect["multiple"], fields=FIELDS)  # fmt: skip
            else:
                header, rows = odk_table(
                    GRID, subs, group_paths=dialect["group_paths"], split=dialect["split"], fields=FIELDS
                )
            kind = dialect["file"]
            if kind == "xlsx":
                export = write_xlsx(path / "export.xlsx", header, rows)
            elif kind == "zip":
                export = write_zip(path / "export.zip", GRID, header, rows)
            else:
                export = write_csv(path / "export.csv", header, rows, delimiter=kind[-1] if kind != "csv" else ",",
                                   quote_all=kind == "csv;")  # fmt: skip
            read, problems, unknown = (read_kobo if tool == "kobo" else read_odk)(export, GRID)
            assert unknown == []
    assert problems == []
    assert [(s.site, s.year, sorted(s.rows)) for s in read] == [(s.site, s.year, sorted(s.rows)) for s in subs]

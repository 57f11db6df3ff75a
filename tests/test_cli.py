from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import snapshot

from impact_kit.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_sample(capsys):
    code, out, err = run(capsys, "validate", "--data", "data")
    assert code == 0, err
    assert "7 sites, 15 site-years" in out and out.rstrip().endswith("OK: the data is valid.")
    assert "  la-fabrique-des-possibles-exemple: 2021, 2022, 2023" in out.splitlines()


def test_validate_lists_at_most_20_sites(capsys, tmp_path):
    sites = ["site,name"] + [f"s{i:02d},S{i}" for i in range(25)]
    (tmp_path / "sites.csv").write_text("\n".join(sites) + "\n", encoding="utf-8")
    rows = ["site,year,criterion,question,value"] + [f"s{i:02d},2022,sante,testimony,x" for i in range(25)]
    (tmp_path / "observations.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", "--data", str(tmp_path))
    assert code == 0
    assert "  s19: 2022" in out and "s20" not in out and "  ... and 5 more sites." in out


def _edit(path, old, new):
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


BAD_COPIES = {
    "missing column": (
        lambda d: _edit(d / "observations.csv", "criterion,", ""),
        "observations.csv, row 1: missing column `criterion`",
    ),
    "year 20222": (
        lambda d: _edit(d / "observations.csv", ",2021,", ",20222,"),
        "observations.csv, row 2, column `year`: '20222' is not a year between 1990 and 2100",
    ),
    "unknown criterion": (
        lambda d: _edit(d / "observations.csv", ",effets_individuels,", ",bien_etre,"),
        "observations.csv, row 2, column `criterion`: unknown criterion 'bien_etre'",
    ),
    "unknown site": (
        lambda d: _edit(d / "observations.csv", "\nla-fabrique", "\nla-fabrik"),
        "observations.csv, row 2, column `site`: unknown site 'la-fabrik",
    ),
    "empty file": (lambda d: (d / "observations.csv").write_bytes(b""), "observations.csv: the file is empty"),
    "binary file": (
        lambda d: (d / "observations.csv").write_bytes(bytes(range(256))),
        "observations.csv: the file holds NUL bytes",
    ),
    "NUL bytes": (
        lambda d: _edit(d / "observations.csv", "daily", "dai\x00ly"),
        "observations.csv: the file holds NUL bytes",
    ),
    "duplicate site id": (
        lambda d: _edit(d / "sites.csv", "les-halles-ephemeres-exemple", "la-fabrique-des-possibles-exemple"),
        "sites.csv, row 3, column `site`: the site id 'la-fabrique-des-possibles-exemple' is already used on row 2",
    ),
    "path-like site id": (
        lambda d: _edit(d / "sites.csv", "les-halles-ephemeres-exemple", "../../etc"),
        "sites.csv, row 3, column `site`: '../../etc' is not a site id",
    ),
}


@pytest.mark.parametrize("case", BAD_COPIES)
def test_validate_bad_copies_exit_2_and_change_nothing(capsys, data_dir, case):
    spoil, message = BAD_COPIES[case]
    spoil(data_dir)
    before = snapshot(data_dir.parent)
    code, out, err = run(capsys, "validate", "--data", str(data_dir))
    assert code == 2
    assert message in err, err
    assert str(data_dir) in err
    assert "Traceback" not in err and out == ""
    assert snapshot(data_dir.parent) == before


@pytest.mark.parametrize("given", [[], ["--data", "data"]], ids=["default", "--data data"])
def test_the_command_line_finds_data_from_notebooks_as_the_python_functions_do(capsys, tmp_path, monkeypatch, given):
    """Issue 29, small thing 18: from notebooks/, `impact-kit validate` said the data folder did not exist."""
    import shutil

    from impact_kit import load_dataset

    shutil.copytree(Path(__file__).parent.parent / "data", tmp_path / "data")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    code, out, err = run(capsys, "validate", *given)
    assert code == 0, err
    assert out.startswith(f"{tmp_path / 'data'}: 7 sites")
    assert load_dataset("data").sites.shape[0] == 7  # the Python function, from the same folder


def test_missing_data_folder(capsys, tmp_path):
    code, _, err = run(capsys, "validate", "--data", str(tmp_path / "nowhere"))
    assert code == 2 and "nowhere: the data folder does not exist. Check its path." in err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["import", "commune-mesure", "x.json"])
    assert info.value.code == 2
    assert "--year" in capsys.readouterr().err


def test_import_prints_site_ids(capsys, reference, tmp_path):
    data = tmp_path / "data"
    code, out, err = run(
        capsys,
        "import",
        "commune-mesure",
        str(reference / "Le-6b.json"),
        str(reference / "the-good-start.json"),
        "--year",
        "2022",
        "--data",
        str(data),
        "--init",
    )
    assert code == 0, err
    assert out.split() == ["le-6b", "the-good-start"]
    assert "2 sites written for 2022" in err
    code, out, err = run(
        capsys, "import", "commune-mesure", str(reference / "Le-6b.json"), "--year", "2022", "--data", str(data)
    )
    assert code == 2 and "pass --replace" in err and out == ""
    code, out, _ = run(
        capsys,
        "import",
        "commune-mesure",
        str(reference / "Le-6b.json"),
        "--year",
        "2022",
        "--data",
        str(data),
        "--replace",
    )
    assert code == 0 and out.split() == ["le-6b"]


SCRIPT = Path(sys.executable).with_name("impact-kit")


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed beside this Python")
def test_console_script_reports_without_traceback(data_dir):
    (data_dir / "observations.csv").write_bytes(b"\x00\x01")
    done = subprocess.run(
        [str(SCRIPT), "validate", "--data", str(data_dir)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: 1 problem found in the input data:\n")
    assert "Traceback" not in done.stderr


def test_module_entry_point(data_dir):
    done = subprocess.run(
        [sys.executable, "-m", "impact_kit.cli", "validate", "--data", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_report_pdf_without_a_browser_exits_2_and_writes_nothing(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("IMPACT_KIT_BROWSER", "no-such-browser")
    code, out, err = run(capsys, "report", "the-good-start", "2021", "--out", str(tmp_path / "out"), "--pdf")
    assert code == 2 and out == ""
    assert "IMPACT_KIT_BROWSER='no-such-browser' is not an executable" in err and "apt-get install chromium" in err
    assert not (tmp_path / "out").exists()


def test_report_takes_its_options_from_a_parameters_file(monkeypatch, tmp_path, capsys):
    """`make reports` passes each parameters/*.yaml: what the file says is used, the command line wins."""
    import impact_kit.reports.run

    calls = []

    def fake(site, year, **options):
        calls.append((site, year, options))
        return impact_kit.reports.run.ReportPaths(tmp_path / "report.html", tmp_path / "report.ipynb")

    monkeypatch.setattr(impact_kit.reports.run, "run_report", fake)
    path = tmp_path / "p.yaml"
    path.write_text(
        'site: the-good-start\nyear: 2021\ndata: "data"\nlang: "en"\npseudonymise: true\n', encoding="utf-8"
    )
    assert main(["report", "the-good-start", "2021", "--parameters", str(path)]) == 0
    assert calls[-1][2]["lang"] == "en" and calls[-1][2]["pseudonymise"] is True and str(calls[-1][2]["data"]) == "data"
    assert main(["report", "the-good-start", "2021", "--parameters", str(path), "--lang", "fr"]) == 0
    assert calls[-1][2]["lang"] == "fr"
    path.write_text("site: the-good-start\nyear: 2022\n", encoding="utf-8")
    assert main(["report", "the-good-start", "2021", "--parameters", str(path)]) == 2
    assert "`year` is 2022, but the report is for 2021" in capsys.readouterr().err
    path.write_text("site: the-good-start\ncolour: red\n", encoding="utf-8")
    assert main(["report", "the-good-start", "2021", "--parameters", str(path)]) == 2
    assert "has no parameter 'colour'" in capsys.readouterr().err


def test_portfolio_of_a_year_without_data_refuses_before_saying_it_writes(tmp_path, capsys):
    """Issue 29, Why 20: "Writing the portfolio report of 2019..." was printed, then the refusal."""
    data = Path(__file__).parents[1] / "data"
    assert main(["portfolio", "2019", "--data", str(data), "--out", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err
    assert "no observations of any site for 2019" in err and "Writing" not in err


def test_a_warning_is_printed_once_per_command(tmp_path):
    """Issue 29, Why 21: a Windows-1252 sites.csv, read by two steps of an import, warned twice."""
    data = tmp_path / "data"
    data.mkdir()
    sites = (Path(__file__).parents[1] / "data" / "sites.csv").read_text(encoding="utf-8")
    (data / "sites.csv").write_bytes(sites.encode("cp1252"))
    place = tmp_path / "place.json"
    doc = '{"name": "Le Lieu", "address": {"city": "Lyon"}, "blocs": {"impact_social": {"donnees": {"lien_social": "x"}}}}'
    place.write_text(doc, encoding="utf-8")
    done = subprocess.run(
        [SCRIPT, "import", "commune-mesure", str(place), "--year", "2024", "--data", str(data)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("warning: sites.csv is not UTF-8") == 1


def test_a_ctrl_c_the_command_handled_does_not_end_the_program_by_sigint(tmp_path):
    """CPython 3.11 ended interrupted runs by SIGINT (exit -2) after they had said "interrupted" (exit 130).

    A KeyboardInterrupt inside ``exec()`` of a string (as namedtuple and dataclasses run while
    modules import) sets the interpreter's "unhandled Ctrl-C" flag even when it is caught;
    a `python -m` run then kills itself with SIGINT as it exits.
    """
    code = (
        "import impact_kit.cli as cli\n"
        "def landed_in_exec(args):  # a Ctrl-C landing in a namedtuple's exec() as a module imports\n"
        "    exec('raise KeyboardInterrupt')\n"
        "cli._validate = landed_in_exec\n"
        "import sys\n"
        "sys.argv = ['impact-kit', 'validate']\n"
        "cli.program()\n"
    )
    (tmp_path / "ik_handled.py").write_text(code, encoding="utf-8")  # run with -m, as `python -m impact_kit.cli`
    done = subprocess.run([sys.executable, "-m", "ik_handled"], capture_output=True, text=True, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (130, "interrupted\n")

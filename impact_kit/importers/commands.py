"""The command line of questionnaires: ``impact-kit form xlsform|workbook`` and ``impact-kit import kobo|odk|workbook``.

:func:`add_commands` registers them on the parsers of :mod:`impact_kit.cli`, which runs
them and turns the kit's errors into exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from impact_kit.exceptions import InvalidArgument

__all__ = ["add_commands"]


def add_commands(commands: argparse._SubParsersAction, sources: argparse._SubParsersAction) -> None:
    """Add ``form`` to the top-level commands and ``kobo``, ``odk``, ``workbook`` to the import sources."""
    form = commands.add_parser("form", help="write a questionnaire from the grid, to collect answers")
    kinds = form.add_subparsers(dest="kind", required=True, metavar="KIND")
    xlsform = kinds.add_parser("xlsform", help="an XLSForm for KoboToolbox, ODK Central, Ona, SurveyCTO")
    _grid(xlsform)
    xlsform.add_argument("--lang", default=None, help="the label languages, the default first (default: the grid's)")
    xlsform.add_argument(
        "--out", type=Path, default=None, help="the .xlsx file, or a folder for <form id>.xlsx (default: forms/)"
    )
    xlsform.set_defaults(run=_xlsform)
    workbook = kinds.add_parser("workbook", help="an offline workbook per site and year (Excel, LibreOffice)")
    workbook.add_argument("--site", action="append", default=[], metavar="S", help="only this site (repeatable)")
    workbook.add_argument("--year", type=int, required=True, help="the year the answers describe")
    workbook.add_argument("--lang", default=None, help="the language of the labels and instructions (default: fr)")
    workbook.add_argument("--out", type=Path, default=Path("forms"), help="the folder (default: forms)")
    workbook.add_argument("--data", type=Path, default=None, help="the data folder with sites.csv (default: data)")
    _grid(workbook)
    workbook.set_defaults(run=_workbook)
    for source, text in (
        ("kobo", "KoboToolbox exports (CSV or XLSX) of the kit's XLSForm"),
        ("odk", "ODK Central exports (CSV, or the .csv.zip) of the kit's XLSForm"),
        ("workbook", "workbooks written by `impact-kit form workbook`, filled in"),
    ):
        parser = sources.add_parser(source, help=text)
        parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
        parser.add_argument("--data", type=Path, default=None, help="the data folder (default: data)")
        parser.add_argument("--year", type=int, default=None, help="the year of submissions that leave it empty")
        parser.add_argument("--new-sites", action="store_true", help="add the sites that sites.csv does not have")
        parser.add_argument("--replace", action="store_true", help="replace a (site, year) this source imported before")
        _grid(parser)
        parser.set_defaults(run=partial(_import, source))


def _grid(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grid", type=Path, help="a grid file (default: the Commune Mesure grid shipped with the kit)")


def _load_grid(path: Path | None):  # type: ignore[no-untyped-def]
    from impact_kit.grid.file import default_grid, load_grid

    return load_grid(path) if path is not None else default_grid()


def _xlsform(args: argparse.Namespace) -> int:
    from impact_kit.forms.layout import form_id
    from impact_kit.forms.xlsform import write_xlsform

    grid = _load_grid(args.grid)
    langs = [lang.strip() for lang in args.lang.split(",")] if args.lang else list(grid.languages)
    out = args.out or Path("forms")
    if out.is_dir() or args.out is None:  # a folder: the file is named after the form, as by default
        out = out / f"{form_id(grid)}.xlsx"
    print(write_xlsform(grid, out, langs=langs))
    return 0


def _workbook(args: argparse.Namespace) -> int:
    from impact_kit.data.observations import YEAR_RANGE
    from impact_kit.data.sites import load_sites
    from impact_kit.forms.workbook import write_workbook

    grid = _load_grid(args.grid)
    lang = grid.check_lang(args.lang or grid.languages[0])
    if not YEAR_RANGE[0] <= args.year <= YEAR_RANGE[1]:
        raise InvalidArgument(f"--year {args.year} is not a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}.")
    sites = load_sites(args.data)
    unknown = [s for s in args.site if s not in sites.index]
    if unknown:
        raise InvalidArgument(
            f"{args.data / 'sites.csv'}: no site {', '.join(map(repr, unknown))}. Use an id of the `site` column."
        )
    for site in sorted(set(args.site or sites.index)):
        name = str(sites.loc[site, "name"]) if "name" in sites.columns else ""
        print(write_workbook(grid, site, args.year, args.out / f"{site}_{args.year}.xlsx", lang=lang, name=name))
    return 0


def _import(source: str, args: argparse.Namespace) -> int:
    from impact_kit.importers.collect import check_year, import_submissions
    from impact_kit.importers.kobo import read_kobo
    from impact_kit.importers.odk import read_odk
    from impact_kit.importers.workbook import read_workbook

    grid = _load_grid(args.grid)
    year = check_year(args.year)
    reader = {"kobo": read_kobo, "odk": read_odk, "workbook": read_workbook}[source]
    result = import_submissions(
        args.files,
        lambda path: reader(path, grid, year=year),
        source=source,
        data=args.data,
        grid=grid,
        new_sites=args.new_sites,
        replace=args.replace,
    )
    for file, columns in result.unknown_columns.items():
        names = ", ".join(f"`{c}`" for c in columns)
        print(
            f"warning: {file}: the form has no column {names}; not read (check the export's options).", file=sys.stderr
        )
    per_file: dict[str, int] = {}
    for sub in result.submissions:
        per_file[sub.file] = per_file.get(sub.file, 0) + 1
    for site_year in sorted({(sub.site_id, int(sub.year or 0)) for sub in result.submissions}):
        print(*site_year)
    for file in map(str, args.files):
        count = sum(n for name, n in per_file.items() if name.startswith(file))
        print(f"read {file}: {count} submission(s).", file=sys.stderr)
    rows = sum(len(s.rows) for s in result.submissions)
    added = f"; added to sites.csv: {', '.join(result.new_sites)}" if result.new_sites else ""
    print(
        f"wrote {rows} observations of {len(result.submissions)} site-year(s) to {result.path}{added}.",
        file=sys.stderr,
    )
    return 0

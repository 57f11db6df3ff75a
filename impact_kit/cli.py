"""The ``impact-kit`` command line (a contract: see README.md, "Command line"; extend, never rename).

Exit codes: 0 done; 1 some reports failed (the others are written); 2 bad input
or usage (nothing written), with a message on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from impact_kit.exceptions import ImpactKitError
from impact_kit.files import resolve_data
from impact_kit.interrupts import CtrlC, forget_handled, settle
from impact_kit.options import data_option, grid_option, positive_int, report_options
from impact_kit.words import LANGUAGES

if TYPE_CHECKING:  # the command line imports the heavy modules only for the command it runs
    from impact_kit.reports.run import ReportPaths

__all__ = ["main", "program"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
#: How many sites `validate` lists by name.
SITES_LISTED = 20


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="impact-kit",
        description="Turn observations of tiers-lieux and transitional-urbanism sites into narrated reports.",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks (for reporting a bug)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check the data folder against the grid")
    data_option(validate)
    grid_option(validate)
    validate.set_defaults(run=_validate)

    importer = commands.add_parser("import", help="import answers from another tool")
    sources = importer.add_subparsers(dest="source", required=True, metavar="SOURCE")
    commune = sources.add_parser("commune-mesure", help="place JSON files of the Commune Mesure platform")
    commune.add_argument("files", nargs="+", metavar="FILE", type=Path)
    commune.add_argument("--year", type=int, required=True, help="the year the answers describe")
    commune.add_argument("--replace", action="store_true", help="replace a (site, year) imported before")
    commune.add_argument(
        "--id",
        dest="site_id",
        metavar="SITE_ID",
        help="the site id of the one place imported (default: from sites.csv or its name)",
    )
    commune.add_argument("--init", action="store_true", help="create the data folder if it does not exist")
    data_option(commune)
    commune.set_defaults(run=_import_commune_mesure)

    notebook = commands.add_parser(
        "notebook", help="write your own working notebook for one site and year (notebooks/SITE/YEAR.ipynb)"
    )
    notebook.add_argument("site", metavar="SITE", help="a site id of sites.csv")
    notebook.add_argument("year", metavar="YEAR", type=int)
    data_option(notebook)
    grid_option(notebook)
    notebook.add_argument(
        "--lang", choices=LANGUAGES, default=LANGUAGES[0], help=f"the report's language (default: {LANGUAGES[0]})"
    )
    notebook.set_defaults(run=_notebook)

    report = commands.add_parser("report", help="write the report of one site for one year")
    report.add_argument("site", metavar="SITE", help="a site id of sites.csv")
    report.add_argument("year", metavar="YEAR", type=int)
    data_option(report)
    report_options(report)
    report.add_argument(
        "--parameters",
        type=Path,
        metavar="FILE",
        help="a YAML file of notebook parameters (as for papermill -f): its data, grid, lang and "
        "pseudonymise are used where the command line does not set them",
    )
    report.add_argument(
        "--notebook",
        type=Path,
        metavar="FILE",
        help="the notebook to run, as last saved (default: notebooks/SITE/YEAR.ipynb if it exists, else the master)",
    )
    report.set_defaults(run=_report)

    batch = commands.add_parser("batch", help="write every site's report for every year (or those asked for)")
    data_option(batch)
    report_options(batch)
    batch.add_argument("--year", type=int, action="append", default=[], metavar="Y", help="only this year (repeatable)")
    batch.add_argument("--site", action="append", default=[], metavar="S", help="only this site (repeatable)")
    batch.add_argument("--workers", type=positive_int, metavar="N", help="reports at a time (default: the CPUs)")
    batch.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on Dask: 'local' for a LocalCluster here, or tcp://HOST:PORT (needs impact_kit[distributed])",
    )
    batch.add_argument("--force", action="store_true", help="redo every report, even those whose inputs did not change")
    batch.add_argument("--timeout", type=float, metavar="S", help="seconds one report may take (default: no limit)")
    batch.add_argument(
        "--parameters",
        type=Path,
        metavar="DIR",
        help="a folder of <site>_<year>.yaml parameters files whose lang and pseudonymise a job uses",
    )
    batch.set_defaults(run=_batch)
    portfolio = commands.add_parser("portfolio", help="write the portfolio report of every site for one year")
    portfolio.add_argument("year", metavar="YEAR", type=int)
    data_option(portfolio)
    report_options(portfolio)
    portfolio.add_argument(
        "--site", dest="sites", action="append", default=[], metavar="S", help="keep only this site (repeatable)"
    )
    portfolio.set_defaults(run=_portfolio)
    from impact_kit.importers.commands import add_commands  # form xlsform|workbook, import kobo|odk|workbook

    add_commands(commands, sources)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from impact_kit.data.dataset import load_dataset
    from impact_kit.data.redactions import load_redactions

    dataset = load_dataset(args.data, grid=args.grid)
    sites, obs = dataset.sites, dataset.observations
    load_redactions(dataset.folder, "", sites=set(sites.index))  # only checks data/redact.csv, if there is one
    pairs = obs[["site", "year"]].drop_duplicates()
    years = sorted(pairs["year"].unique())
    testimonies = int((obs["question"] == dataset.grid.roles.testimony).sum())
    sources = ", ".join(sorted(obs["source"].unique()))
    print(
        f"{args.data}: {len(sites)} sites, {len(pairs)} site-years "
        f"({years[0]}-{years[-1]}), {len(obs)} observations ({testimonies} testimonies) from {sources}."
    )
    counts = pairs.groupby("site")["year"].agg(lambda y: ", ".join(map(str, sorted(y))))
    for site, site_years in counts.head(SITES_LISTED).items():
        print(f"  {site}: {site_years}")
    if len(counts) > SITES_LISTED:
        print(f"  ... and {len(counts) - SITES_LISTED} more sites.")
    print("OK: the data is valid.")
    return EXIT_OK


def _import_commune_mesure(args: argparse.Namespace) -> int:
    from impact_kit.importers.commune_mesure import IMPORT_FILE, import_places

    places = import_places(args.files, args.year, args.data, replace=args.replace, site_id=args.site_id, init=args.init)
    for place in places:
        print(place.site)
        for key, criterion in place.kept_keys.items():
            print(
                f"warning: {place.path.name}: the grid has no question for the key `{key}`; "
                f"its text was kept as a testimony of `{criterion}`.",
                file=sys.stderr,
            )
    print(
        f"{len(places)} site{'s' if len(places) != 1 else ''} written for {args.year} to {args.data / IMPORT_FILE}.",
        file=sys.stderr,
    )
    return EXIT_OK


def _notebook(args: argparse.Namespace) -> int:
    from impact_kit.data.dataset import load_dataset, site_not_found
    from impact_kit.reports.site import SiteReport
    from impact_kit.reports.working import create_working_notebook

    dataset = load_dataset(args.data, grid=args.grid)
    if args.site not in dataset.sites.index:
        raise site_not_found(dataset, args.site)
    report = SiteReport.load(args.site, args.year, data=dataset, lang=args.lang, programme=False)  # checks them all
    path = create_working_notebook(dataset, report.site, report.year, lang=args.lang)
    print(
        f"Open it in JupyterLab (`jupyter lab {_shown(path)}`), run it, add your own Markdown cells and save; "
        f"`impact-kit report {report.site} {report.year}` and `impact-kit batch` then use it.",
        file=sys.stderr,
    )
    print(_shown(path))
    return EXIT_OK


def _shown(path: Path) -> str:
    """Return a path as the user would type it: relative to the working directory when it is below it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _written(run: Callable[[], ReportPaths]) -> int:
    """Run a report and print the paths of its files, or say that it failed (exit 1)."""
    from impact_kit.exceptions import ReportFailed

    try:
        paths = run()
    except ReportFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    settle()  # written: a Ctrl-C while the paths print changes nothing
    for path in (paths.html, paths.indicators, paths.pdf, paths.docx):
        if path:
            print(path)
    if paths.docx is None and (kept := paths.html.parent / "report.docx").is_file():
        print(f"note: {kept} was left as it was: it is an earlier run's. Ask for --docx to redo it.", file=sys.stderr)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from impact_kit.reports.parameters import read_parameters
    from impact_kit.reports.run import run_report

    given = read_parameters(args.parameters, site=args.site, year=args.year) if args.parameters else {}
    lang = args.lang or given.get("lang") or LANGUAGES[0]
    return _written(
        lambda: run_report(
            args.site,
            args.year,
            data=args.data if args.data is not None else given.get("data") or "data",
            out=args.out,
            grid=args.grid if args.grid is not None else given.get("grid") or None,
            lang=lang,
            pseudonymise=bool(args.pseudonymise if args.pseudonymise is not None else given.get("pseudonymise")),
            pdf=args.pdf,
            docx=args.docx_data or args.docx,
            docx_template=args.docx_template,
            notebook=args.notebook,
            on_start=lambda report: print(
                f"Writing the report of {report.site} {report.year} ({lang})...", file=sys.stderr
            ),
            on_warning=lambda said: print(f"warning: {said}", file=sys.stderr),
            on_note=lambda said: print(f"note: {said}", file=sys.stderr),
        )
    )


def _batch(args: argparse.Namespace) -> int:
    from impact_kit.batch.run import run_batch
    from impact_kit.reports.selection import left_out_notes

    result = run_batch(
        data=args.data,
        out=args.out,
        grid=args.grid,
        years=args.year,
        sites=args.site,
        workers=args.workers,
        scheduler=args.scheduler,
        force=args.force,
        lang=args.lang or LANGUAGES[0],
        pseudonymise=bool(args.pseudonymise),
        pdf=args.pdf,
        docx=args.docx_data or args.docx,
        docx_template=args.docx_template,
        timeout=args.timeout,
        parameters=args.parameters,
    )
    settle()  # every report done or failed and said in the manifest: a Ctrl-C now changes nothing
    for said in result.warnings:
        print(f"warning: {said}", file=sys.stderr)
    for said in left_out_notes(job.notebook for job in result.done if job.notebook):  # the reports written now
        print(f"note: {said}", file=sys.stderr)
    per = f", {result.seconds / len(result.done):.2f} s per report" if result.done else ""
    print(
        f"Reports: {result.planned} planned, {len(result.done)} written, {len(result.skipped)} up to date, "
        f"{len(result.failed)} failed, in {result.seconds:.1f} s{per}.",
        file=sys.stderr,
    )
    for _job, error in result.failed:
        print(f"failed: {error}", file=sys.stderr)
    for error in result.errors:
        print(f"error: {error}", file=sys.stderr)
    if result.index:
        print(result.index)
    return result.exit_code


def _portfolio(args: argparse.Namespace) -> int:
    from impact_kit.batch.index import refresh_index
    from impact_kit.data.dataset import load_dataset
    from impact_kit.files import resolve_data
    from impact_kit.reports.run import run_portfolio

    lang = args.lang or LANGUAGES[0]

    def write() -> ReportPaths:
        paths = run_portfolio(
            args.year,
            on_start=lambda: print(f"Writing the portfolio report of {args.year} ({lang})...", file=sys.stderr),
            data=args.data,
            out=args.out,
            grid=args.grid,
            lang=lang,
            pseudonymise=bool(args.pseudonymise),
            sites=args.sites,
            pdf=args.pdf,
            docx=args.docx_data or args.docx,
            docx_template=args.docx_template,
        )
        # The index links every portfolio of the reports folder: written again with this one.
        dataset = load_dataset(resolve_data(args.data), grid=args.grid)
        refresh_index(dataset, args.out, lang=lang)
        return paths

    return _written(write)


#: The warnings this command printed: a file read twice (sites.csv, by an import's two steps) warns once.
_SHOWN: set[str] = set()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # type: ignore[no-untyped-def]
    if str(message) not in _SHOWN:
        _SHOWN.add(str(message))
        print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None, *, exiting: bool = False) -> int:
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments, without the program's name; ``sys.argv[1:]`` by default.
    exiting : bool, default False
        The process ends when this returns (the ``impact-kit`` program does). A Ctrl-C
        from the end of the run on is then ignored: the files are written and said, and
        Python's exit would only turn it into tracebacks from atexit or an exit by signal.
    """
    args = _parser().parse_args(argv)
    if getattr(args, "data", "unset") is None and args.command != "report":  # report may take it from --parameters
        args.data = Path("data")
    if isinstance(getattr(args, "data", None), Path):
        # As the Python functions do: "data" from notebooks/ is the project's data folder.
        args.data = resolve_data(args.data)
    warnings.showwarning = _show_warning
    _SHOWN.clear()
    if not args.debug:
        # Our own messages say what happened; the libraries' log lines (a kernel that died
        # after a Ctrl-C, asyncio's leftovers) would only add noise without --debug.
        root = logging.getLogger()
        if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
            root.addHandler(logging.NullHandler())
    try:
        one_report = args.command in ("report", "portfolio")  # done once its new set is swapped in
        with CtrlC(then=signal.SIG_IGN if exiting else signal.default_int_handler, on_publish=one_report) as ctrl_c:
            code = int(args.run(args))
            if ctrl_c.seen:  # a Ctrl-C that a library caught on its way: still a Ctrl-C
                raise KeyboardInterrupt
        sys.stdout.flush()  # here, not at exit: a closed pipe is then seen below
        return code
    except ImpactKitError as exc:
        if args.debug:
            raise
        # The library speaks of the data folder and the grid; the command line adds its options.
        said = str(exc)
        named = "data folder" in said and "--data" not in said and hasattr(args, "data")
        hint = " (--data sets the data folder.)" if named else ""
        print(f"error: {exc}{hint}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `impact-kit validate | head`: the reader has what it wanted
        _mute_stdout()
        return EXIT_OK
    except OSError as exc:  # a file or folder that cannot be written: read-only, a file in the way, a full disk
        if args.debug:
            raise
        if exc.filename:
            # An import replaces its files together or not at all; a report command may have written some reports.
            done = "Nothing was written." if args.command == "import" else "Files written before are left as they were."
            where = " (--out sets where reports go)" if args.command in ("report", "batch", "portfolio") else ""
            print(
                f"error: {exc.filename}: {exc.strerror or exc}. Check that the folder exists, is writable and has "
                f"free space{where}. {done}",
                file=sys.stderr,
            )
        else:
            print(f"error: {exc}. Nothing more was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def program() -> NoReturn:
    """Run the ``impact-kit`` program: `main` on ``sys.argv``, then exit with its code.

    A Ctrl-C while Python starts the command line (before `main` handles it) says
    "interrupted" and exits 130 like one during the run.
    """
    try:
        code = main(exiting=True)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("interrupted", file=sys.stderr)
        code = 130
    forget_handled()
    sys.exit(code)


def _mute_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush does not fail on the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    program()

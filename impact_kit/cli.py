"""The ``impact-kit`` command line (a contract: see DESIGN.md, "Command line").

Exit codes: 0 done; 1 some reports failed (the others are written); 2 bad input
or usage (nothing written), with a message on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from impact_kit.exceptions import ImpactKitError

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
#: How many sites `validate` lists by name.
SITES_LISTED = 20


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="impact-kit",
        description="Turn observations of tiers-lieux and transitional-urbanism sites into narrated reports.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check the data folder against the grid")
    _data_option(validate)
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
    _data_option(commune)
    commune.set_defaults(run=_import_commune_mesure)

    report = commands.add_parser("report", help="write the report of one site for one year")
    report.add_argument("site", metavar="SITE", help="a site id of sites.csv")
    report.add_argument("year", metavar="YEAR", type=int)
    _data_option(report)
    report.add_argument("--out", type=Path, default=Path("reports"), help="the reports folder (default: reports)")
    report.add_argument("--lang", choices=["fr", "en"], default="fr", help="the report's language (default: fr)")
    report.add_argument(
        "--pseudonymise", action="store_true", help="mask e-mail addresses and phone numbers in testimonies"
    )
    report.add_argument("--pdf", action="store_true", help="also print report.pdf (needs Chromium or Chrome)")
    report.set_defaults(run=_report)
    return parser


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=Path("data"), help="the data folder (default: data)")


def _validate(args: argparse.Namespace) -> int:
    from impact_kit.observations import load_observations, load_sites
    from impact_kit.redaction import load_redactions

    sites = load_sites(args.data)
    obs = load_observations(args.data, sites=sites)
    load_redactions(args.data, "", sites=set(sites.index))  # only checks data/redact.csv, if there is one
    pairs = obs[["site", "year"]].drop_duplicates()
    years = sorted(pairs["year"].unique())
    testimonies = int((obs["question"] == "testimony").sum())
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


def _report(args: argparse.Namespace) -> int:
    from impact_kit.exceptions import ReportFailed
    from impact_kit.export import run_report

    print(f"Writing the report of {args.site} {args.year} ({args.lang})...", file=sys.stderr)
    try:
        paths = run_report(
            args.site,
            args.year,
            data=args.data,
            out=args.out,
            lang=args.lang,
            pseudonymise=args.pseudonymise,
            pdf=args.pdf,
        )
    except ReportFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(paths.html)
    if paths.pdf:
        print(paths.pdf)
    return EXIT_OK


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # type: ignore[no-untyped-def]
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        return int(args.run(args))
    except ImpactKitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

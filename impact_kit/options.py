"""The options several ``impact-kit`` commands share (see :mod:`impact_kit.cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from impact_kit.words import LANGUAGES

__all__ = ["data_option", "grid_option", "positive_int", "report_options"]


def positive_int(text: str) -> int:
    """Return a whole number of at least 1 (an argparse type)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def grid_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--grid``."""
    parser.add_argument("--grid", type=Path, help="a grid file (default: the Commune Mesure grid shipped with the kit)")


def report_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of every command that writes reports."""
    parser.add_argument("--out", type=Path, default=Path("reports"), help="the reports folder (default: reports)")
    grid_option(parser)
    parser.add_argument(
        "--lang", choices=LANGUAGES, default=None, help=f"the report's language (default: {LANGUAGES[0]})"
    )
    parser.add_argument(
        "--pseudonymise",
        action="store_true",
        default=None,
        help="mask e-mail addresses and phone numbers in testimonies",
    )
    parser.add_argument("--pdf", action="store_true", help="also print report.pdf (needs Chromium or Chrome)")
    parser.add_argument("--docx", action="store_true", help="also write report.docx (Word), from the same sections")
    parser.add_argument(
        "--docx-template",
        type=Path,
        metavar="FILE",
        help="a .docx whose styles, margins, header and footer report.docx takes (implies --docx; "
        "default: the kit's template)",
    )
    parser.add_argument(
        "--docx-data",
        choices=("appendix", "inline", "none"),
        help="where each chart's figures go in report.docx: an appendix (the default), under the chart, or nowhere "
        "(implies --docx)",
    )


def data_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--data``."""
    parser.add_argument("--data", type=Path, default=None, help="the data folder (default: data)")

"""impact_kit: narrated reports of the social and urban effects of tiers-lieux.

The data path: files in ``data/`` -> :func:`load_observations` (a tidy, validated
DataFrame) -> the master notebook -> one offline HTML report per site and year.
"""

from __future__ import annotations

from impact_kit.exceptions import GridError, ImpactKitError, ImportFailed, InvalidData, ReportFailed
from impact_kit.grid import Grid, default_grid, load_grid
from impact_kit.observations import (
    load_observations,
    load_sites,
    select_site,
    select_site_year,
    select_year,
    slugify,
)
from impact_kit.report import NotFound, SiteReport

__all__ = [
    "Grid",
    "GridError",
    "ImpactKitError",
    "ImportFailed",
    "InvalidData",
    "NotFound",
    "ReportFailed",
    "SiteReport",
    "default_grid",
    "load_grid",
    "load_observations",
    "load_sites",
    "select_site",
    "select_site_year",
    "select_year",
    "slugify",
]
__version__ = "0.1.0"

"""Pick a site-year without leaving JupyterLab: ``ik.picker()``.

Two dropdowns (the data folder's sites, then the chosen site's years) and a button that
writes the site-year's working notebook, or finds the one there is
(:mod:`impact_kit.reports.working`), and shows a link that opens it in Lab. In a run of the
kit's own (a report, a batch) it shows nothing: widgets never enter a report.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Any

from impact_kit.data.dataset import Dataset, load_dataset
from impact_kit.data.explore import sites
from impact_kit.exceptions import ImpactKitError, MissingDependency
from impact_kit.reports.lab import in_report_run
from impact_kit.reports.working import create_working_notebook, find_working_notebook

__all__ = ["picker"]


def picker(data: str | Path | Dataset = "data", *, lang: str = "fr") -> Any:
    """Return the site-year picker: dropdowns of the sites and their years, a button, a link.

    Parameters
    ----------
    data : str, Path or Dataset
        The data folder (a relative path is found from here or a parent folder).
    lang : str
        The language of a working notebook it writes.

    Returns
    -------
    ipywidgets.VBox or None
        The widget (its parts as attributes: ``site``, ``year``, ``button``, ``link``); None in a
        run of the kit's own, where it shows nothing.

    Raises
    ------
    MissingDependency
        If ipywidgets is not installed.
    InvalidData
        If the data folder does not validate.
    """
    if in_report_run():
        return None
    try:
        import ipywidgets as widgets
        from IPython.display import HTML
    except ImportError:
        said = "ik.picker() needs ipywidgets: pip install ipywidgets, then restart the kernel."
        raise MissingDependency(said) from None
    dataset = data if isinstance(data, Dataset) else load_dataset(data)
    table = sites(dataset)
    table = table[table["years"].map(bool)]  # a site without observations has no report to pick
    site = widgets.Dropdown(
        options=[(f"{row['name']} ({row['city']})", str(key)) for key, row in table.iterrows()], description="Site"
    )
    year = widgets.Dropdown(description="Year")
    button = widgets.Button(description="Open its notebook", icon="book")
    link = widgets.Output()  # shown by Lab's own renderer: its link opens the notebook in a tab of Lab

    def years(change: object = None) -> None:
        year.options = [int(y) for y in table.loc[site.value, "years"]] if site.value else []
        year.value = year.options[-1] if year.options else None  # the latest year first
        link.outputs = ()

    def open_notebook(_: object) -> None:
        try:
            path = find_working_notebook(dataset, site.value, year.value) or create_working_notebook(
                dataset, site.value, year.value, lang=lang
            )
        except ImpactKitError as exc:
            show(f"<p>{escape(str(exc))}</p>")
            return
        # Relative to the kernel's folder, which is the notebook's in Lab: Lab opens such a link as a document.
        href = Path(os.path.relpath(path, Path.cwd())).as_posix()
        show(f'<a href="{escape(href)}">{escape(href)}</a> (click to open it in JupyterLab)')

    def show(html: str) -> None:
        link.outputs = ()
        link.append_display_data(HTML(html))

    site.observe(years, names="value")
    button.on_click(open_notebook)
    years()
    box = widgets.VBox([site, year, button, link])
    box.site, box.year, box.button, box.link = site, year, button, link
    return box

"""What a batch knows between runs: each job's input fingerprint, status and outputs (``manifest.json``).

A report depends on its site's rows up to its year (the earlier years it compares
with), its row of ``sites.csv``, the grid, the master notebook, the templates and
texts, the kit's version and its parameters. :func:`fingerprints` hashes exactly
those, for every job at once, so that a rerun regenerates only the reports whose
inputs changed (or whose files are gone).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from impact_kit.data.dataset import Dataset
from impact_kit.exceptions import InvalidData
from impact_kit.files import atomic_write

__all__ = [
    "MANIFEST",
    "Entry",
    "Manifest",
    "fingerprints",
    "finished_state",
    "notebook_digest",
    "outputs_state",
    "package_digest",
]

#: The manifest's name in the reports folder.
MANIFEST = "manifest.json"
#: The files a finished site report has.
OUTPUTS = ("report.html", "report.ipynb")
#: The files a report has when asked for (``--pdf``, ``--docx``).
EXTRAS = ("report.pdf", "report.docx")

_PACKAGE = Path(__file__).resolve().parents[1]


@dataclass
class Entry:
    """One job of the manifest.

    Attributes
    ----------
    site, year : str, int
        The report.
    fingerprint : str
        The hash of its inputs when it last ran.
    status : str
        ``done`` or ``failed``.
    duration : float
        Seconds the job took.
    error : str or None
        What went wrong, for a failed job.
    finished : str
        When it ended (ISO 8601, UTC).
    outputs : dict
        ``{file name: [size, mtime_ns]}`` of the files it wrote, to tell whether they changed since.
    commentary : int
        The evaluator's Markdown cells in the working notebook it ran (0 for the master).
    stale : list of str
        The kit's files of the folder that an earlier run made and this one kept (``report.docx``
        when it was not asked for: someone may be editing it); left out of ``outputs``.
    """

    site: str
    year: int
    fingerprint: str
    status: str
    duration: float
    error: str | None = None
    finished: str = ""
    outputs: dict[str, list[int]] = field(default_factory=dict)
    #: How many of the evaluator's own Markdown cells its working notebook holds (0: the master was run).
    commentary: int = 0
    stale: list[str] = field(default_factory=list)


def outputs_state(folder: Path, names: Iterable[str] = (*OUTPUTS, *EXTRAS)) -> dict[str, list[int]]:
    """Return ``{name: [size, mtime_ns]}`` of the files of ``folder`` that exist."""
    state = {}
    for name in names:
        path = folder / name
        if path.is_file():
            stat = path.stat()
            state[name] = [stat.st_size, stat.st_mtime_ns]
    return state


def finished_state(entry: Entry, folder: Path, *, docx: bool) -> None:
    """Record in ``entry`` the files its run left in ``folder``: ``outputs``, and ``stale`` for those it kept.

    ``docx`` says whether the run made ``report.docx``; one there that it did not make is an
    earlier run's, kept (:data:`impact_kit.reports.publish.KEPT_FILES`).
    """
    from impact_kit.reports.publish import KEPT_FILES

    made = {"report.docx"} if docx else set()
    entry.stale = sorted(name for name in KEPT_FILES - made if (folder / name).is_file())
    entry.outputs = outputs_state(folder, [name for name in (*OUTPUTS, *EXTRAS) if name not in entry.stale])


class Manifest:
    """The manifest of a reports folder: read at the start of a batch, written as jobs end."""

    def __init__(self, out: Path, entries: Mapping[str, Entry] | None = None) -> None:
        self.path = out / MANIFEST
        self.entries: dict[str, Entry] = dict(entries or {})

    @classmethod
    def read(cls, out: Path) -> Manifest:
        """Read ``<out>/manifest.json`` (an empty manifest if there is none).

        Raises
        ------
        InvalidData
            If the file exists but is not a manifest the kit wrote (delete it, or run with ``force``).
        """
        path = out / MANIFEST
        if not path.exists():
            return cls(out)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            entries = {key: Entry(**value) for key, value in doc["jobs"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InvalidData.single(
                path, f"this is not a manifest the kit can read ({exc}). Delete it to regenerate every report."
            ) from None
        return cls(out, entries)

    def up_to_date(self, key: str, fingerprint: str, folder: Path, *, pdf: bool = False, docx: bool = False) -> bool:
        """Return True if the job ran with this fingerprint, succeeded, and its files are as it left them.

        With ``pdf`` (``docx``), its ``report.pdf`` (``report.docx``) must be there too, and made
        by that run: asking for them later redoes only the reports without one, or with a stale one.
        A stale file is the user's: changing or deleting it is no reason to redo the report.
        """
        entry = self.entries.get(key)
        wanted = set(OUTPUTS) | ({"report.pdf"} if pdf else set()) | ({"report.docx"} if docx else set())
        state = outputs_state(folder, sorted((wanted | set(EXTRAS)) - set(entry.stale if entry else ())))
        return (
            entry is not None
            and entry.status == "done"
            and entry.fingerprint == fingerprint
            and entry.outputs == state
            and wanted <= set(state)
        )

    def record(self, key: str, entry: Entry) -> None:
        """Record a job's end."""
        entry.finished = entry.finished or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.entries[key] = entry

    def write(self) -> None:
        """Write the manifest atomically, jobs sorted by site and year (not at all while it is empty and absent)."""
        if not self.entries and not self.path.exists():  # a batch that did nothing (no scheduler) leaves nothing
            return
        jobs = {key: asdict(self.entries[key]) for key in sorted(self.entries, key=_order)}
        with atomic_write(self.path, "w", encoding="utf-8") as handle:
            json.dump({"format": 1, "jobs": jobs}, handle, ensure_ascii=False, indent=1)
            handle.write("\n")


def _order(key: str) -> tuple[str, int]:
    site, _, year = key.rpartition("/")
    return site, int(year)


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def package_digest(notebook: Path) -> str:
    """Hash what every report shares: the notebook, the templates, the texts, the kit's code and version.

    Read anew at every call (a few hundred kB): a warm process sees an edited template.
    """
    from impact_kit import __version__

    files = [notebook, *sorted((_PACKAGE / "templates").rglob("*")), _PACKAGE / "texts.yaml"]
    files += sorted(_PACKAGE.rglob("*.py"))
    return _digest(__version__, *(p.read_bytes() for p in files if p.is_file()))


def notebook_digest(notebook: Path) -> str:
    """Hash a site-year's working notebook: its bytes and its modification time (saving or touching it counts)."""
    return _digest(str(notebook.stat().st_mtime_ns), notebook.read_bytes())


def fingerprints(
    dataset: Dataset,
    jobs: Iterable[tuple[str, int]],
    *,
    notebook: Path,
    parameters: Mapping[str, Any],
    extra: Mapping[tuple[str, int], str] | None = None,
) -> dict[tuple[str, int], str]:
    """Return the input fingerprint of each (site, year) job.

    Parameters
    ----------
    dataset : Dataset
        The validated data.
    jobs : iterable of (site, year)
        The jobs.
    notebook : Path
        The master notebook.
    parameters : mapping
        The parameters every job shares (language, pseudonymisation...).
    extra : mapping, optional
        More text that a job depends on (its redaction list...), by job.
    """
    obs = dataset.observations
    # One hash per row (its content), then one per site and year over its rows in file order:
    # rows of other sites, before or after, do not move a site's fingerprint.
    rows = pd.util.hash_pandas_object(obs.drop(columns=["source"]), index=False).to_numpy()
    per_site: dict[str, dict[int, str]] = {}
    groups: dict[Any, Any] = obs.groupby(["site", "year"], sort=True).indices
    for key, positions in groups.items():
        digest = hashlib.sha256(rows[np.sort(positions)].tobytes()).hexdigest()
        per_site.setdefault(str(key[0]), {})[int(key[1])] = digest
    shared = _digest(
        package_digest(notebook.resolve()),
        dataset.grid.path.read_bytes() if dataset.grid.path else dataset.grid.id,
        json.dumps(dict(parameters), sort_keys=True, default=str),
    )
    result = {}
    for site, year in jobs:
        site_row = json.dumps(dataset.sites.loc[site].astype(str).to_dict(), sort_keys=True, ensure_ascii=False)
        years = per_site.get(site, {})
        data = [f"{y}:{years[y]}" for y in sorted(years) if y <= year]
        result[(site, year)] = _digest(shared, site_row, *data, (extra or {}).get((site, year), ""))
    return result

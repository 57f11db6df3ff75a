"""PDF printing: an HTML report printed by headless Chromium, with the report's print styles.

The page sets the paper (A4), the margins, the running footer (the report's title and
"page / pages", CSS page-margin boxes, which Chromium prints since version 131) and what
starts a new page; Chromium adds the tags (a tagged PDF, its language from ``<html lang>``),
the title from ``<title>``, and an outline of the headings. :func:`print_pdf` is the one
function every command that writes reports calls for ``--pdf``. Chromium prints with the
network blocked: a report requests nothing while it prints.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

from impact_kit.exceptions import MissingDependency, ReportFailed
from impact_kit.files import atomic_write

__all__ = ["BROWSERS", "find_browser", "print_pdf"]

#: Browsers that can print a report to PDF, tried in this order after ``$IMPACT_KIT_BROWSER``.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str:
    """Return the path of a Chromium-based browser: ``$IMPACT_KIT_BROWSER``, else the first of :data:`BROWSERS`.

    Raises
    ------
    MissingDependency
        If none is found.
    """
    wanted = os.environ.get("IMPACT_KIT_BROWSER")
    for name in [wanted] if wanted else BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    where = f"IMPACT_KIT_BROWSER={wanted!r} is not an executable" if wanted else f"none of {list(BROWSERS)} is on PATH"
    raise MissingDependency(
        f"Printing to PDF needs Chromium or Google Chrome, but {where}. Install one "
        "(Debian, Ubuntu: apt-get install chromium) or set IMPACT_KIT_BROWSER to its path. Nothing was written."
    )


#: The longest temporary folder given to Chromium: it adds "/org.chromium.Chromium.XXXXXX/SingletonSocket"
#: (46 bytes), and a Unix socket's path holds 107.
_SHORT_ENOUGH = 60


def print_pdf(html: Path, pdf: Path, *, workdir: Path, browser: str | None = None, timeout: float = 120) -> Path:
    """Print an HTML report to PDF with headless Chromium: A4, running footer, page numbers, tagged, with an outline.

    Parameters
    ----------
    html, pdf : Path
        The page to print and the PDF to write (atomically: a temporary file in
        ``workdir``, then renamed).
    workdir : Path
        A private folder for the browser's throw-away profile and the partial PDF.
    browser : str, optional
        The browser's path; :func:`find_browser` by default.
    timeout : float
        Seconds the browser may take.

    Returns
    -------
    Path
        ``pdf``.

    Raises
    ------
    MissingDependency
        If no browser is given and none is found.
    ReportFailed
        If the browser fails or times out.
    """
    browser = browser or find_browser()
    profile = workdir / "browser-profile"
    partial = workdir / f"{pdf.name}.partial"
    command = [
        browser,
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # No request leaves: every host name and address (IP literals and localhost too) resolves to
        # nothing, so whatever a page names (an image, a stylesheet, a font, a script) is not fetched.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",  # Chromium's own date and URL: the page's margin boxes say what matters
        "--generate-pdf-document-outline",  # bookmarks from the headings (ignored by older versions)
        f"--print-to-pdf={partial}",
        html.resolve().as_uri(),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.insert(1, "--no-sandbox")  # Chromium will not start its sandbox as root
    # Its temporary files (org.chromium.Chromium.*, which a killed browser left in the system's
    # temporary folder) go in the run's folder, and its processes in a group of their own, killed whole.
    # (Not when the run's folder has a long path: Chromium puts a socket there, and aborts past 108 bytes.)
    scratch = workdir / "browser-tmp"
    env = None
    if len(str(scratch).encode()) <= _SHORT_ENOUGH:
        scratch.mkdir(exist_ok=True)
        env = {**os.environ, "TMPDIR": str(scratch)}
    try:
        code, stderr = _run_browser(command, env, timeout)
        if code or not partial.exists() or partial.read_bytes()[:5] != b"%PDF-":
            detail = " ".join(stderr.strip().splitlines()[-2:])
            raise ReportFailed(f"{browser} could not print {html} to PDF (exit code {code}): {detail}")
        with atomic_write(pdf, "wb") as handle, partial.open("rb") as source:
            shutil.copyfileobj(source, handle)
    except subprocess.TimeoutExpired:
        raise ReportFailed(f"{browser} did not print {html} to PDF within {timeout:g} seconds.") from None
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return pdf


def _run_browser(command: list[str], env: dict[str, str] | None, timeout: float) -> tuple[int, str]:
    """Run the browser in a session of its own; return its exit code and what it printed on stderr.

    On a timeout, or anything else raised here (a Ctrl-C), its whole process group is killed
    (subprocess.run killed only the first process, and a renderer could outlive it).
    """
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()  # not communicate(): a process outside the group could hold stderr open
        if process.stderr is not None:
            process.stderr.close()
        raise
    return process.returncode, stderr

"""A report's files put in place as one set: a reader sees the previous set or the new one, never a mix.

A report is a folder (``<out>/<site>/<year>/``) of files made by one run: ``report.ipynb``,
``report.html``, and ``report.pdf`` or ``indicators.csv`` when the run makes them. They are
written into a private folder beside it (``.<year>.staging-<pid>-<random>``), which then
takes the report folder's place in one step: ``renameat2(RENAME_EXCHANGE)`` on Linux (the
two folders swap names atomically), a plain rename when there is no report yet. Where the
exchange is not available, the old folder is renamed aside first; a run killed between the
two renames leaves ``.<year>.previous-<pid>-*``, which the next publication beside it
restores. A Ctrl-C, a SIGKILL or a full disk at any moment before the swap leaves the
previous set as it was (a killed run's staging folder is removed by the next run).

A ``report.docx`` is the one kit file a new set keeps when its run did not make one: it may
be the copy someone is editing in Word (:data:`KEPT_FILES`). The caller says it is stale.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from impact_kit.files import alive
from impact_kit.interrupts import held, published, seen

__all__ = ["KEPT_FILES", "KIT_FILES", "NOT_CARRIED", "remove_stale_stages", "staged"]

#: The files a run makes in a report folder; any other file found there is carried over to the new set.
KIT_FILES = frozenset(
    {"report.ipynb", "report.html", "report.pdf", "report.docx", "report.failed.ipynb", "indicators.csv"}
)
#: The kit's files a new set keeps from the previous one when its run did not make them: someone may
#: be editing them. Not ``report.pdf``: nobody edits a print, and an older one would not match the page.
KEPT_FILES = frozenset({"report.docx"})
#: What is never carried over: JupyterLab's checkpoints of the previous set (a report opened in Lab left
#: ``.ipynb_checkpoints/report-checkpoint.html``, a stale page that would be zipped and sent with the folder).
NOT_CARRIED = frozenset({".ipynb_checkpoints"})
_STAGING, _PREVIOUS = "staging", "previous"
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """Yield an empty folder to write a report's files in; on success, swap it into ``target``'s place at once.

    Parameters
    ----------
    target : Path
        The report folder (it may not exist yet).

    Yields
    ------
    Path
        The staging folder, on the same file system as ``target``.

    Notes
    -----
    On any exception (KeyboardInterrupt included) nothing is swapped and the staging
    folder is removed; ``target`` is left as it was.
    """
    target = Path(target)
    created = not target.parent.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_stages(target.parent)
    stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.{_STAGING}-{os.getpid()}-"))
    try:
        os.chmod(stage, 0o777 & ~_umask())  # mkdtemp's folder is private; a report folder is not
        yield stage
        _carry_over(target, stage)
        with held():  # the swap and what it means go together: a Ctrl-C between them would say "interrupted"
            if seen():  # a Ctrl-C that a library swallowed on its way: the run was interrupted, nothing is swapped
                raise KeyboardInterrupt
            _swap(stage, target)
            published()  # the new set is in place: for a one-report command, a Ctrl-C from now on changes nothing
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # after the swap: the previous set
        if created:
            with contextlib.suppress(OSError):  # a failed first report leaves no empty site folder
                target.parent.rmdir()


def remove_stale_stages(folder: Path) -> list[Path]:
    """Remove the staging folders of dead runs in ``folder``; restore a report folder a dead run left renamed aside."""
    removed = []
    for path in sorted(folder.glob(".*.*-*-*")):
        name, kind, pid = _parse(path.name)
        if kind is None or not pid.isdigit() or alive(int(pid)):
            continue
        if kind == _PREVIOUS and not (folder / name).exists():
            with contextlib.suppress(OSError):
                os.rename(path, folder / name)
                continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _parse(name: str) -> tuple[str, str | None, str]:
    """``.2021.staging-123-abc`` -> ("2021", "staging", "123")."""
    for kind in (_STAGING, _PREVIOUS):
        base, sep, rest = name[1:].rpartition(f".{kind}-")
        if sep and base:
            return base, kind, rest.split("-", 1)[0]
    return "", None, ""


def _carry_over(target: Path, stage: Path) -> None:
    """Give the new set the files a user put in the report folder, and the kit's :data:`KEPT_FILES` it did not make.

    The kit's other files are replaced, not carried.
    """
    if not target.is_dir():
        return
    for path in target.iterdir():
        carried = path.name not in KIT_FILES | NOT_CARRIED or path.name in KEPT_FILES
        if carried and not (stage / path.name).exists():
            if path.is_dir():
                shutil.copytree(path, stage / path.name, symlinks=True)
            else:
                shutil.copy2(path, stage / path.name, follow_symlinks=False)


def _swap(stage: Path, target: Path) -> None:
    """Put ``stage`` at ``target``; the previous ``target``, if any, ends up at ``stage``."""
    if not target.exists():
        try:
            os.rename(stage, target)  # atomic; fails if another run created target meanwhile
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if _exchange(stage, target):
        return
    aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.{_PREVIOUS}-{os.getpid()}-"))
    os.rmdir(aside)
    os.rename(target, aside)
    os.rename(stage, target)
    os.rename(aside, stage)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where it is not available."""
    function = getattr(_libc(), "renameat2", None)
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # an old kernel, a file system without it
        return False
    raise OSError(number, os.strerror(number), str(b))


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

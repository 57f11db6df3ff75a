"""Files and folders: where the data is, writing files whole, and one private folder per run.

Every function that takes a data folder resolves it with :func:`resolve_data`, so a
relative path means the same thing in a notebook (run from ``notebooks/``), in a
script and on the command line. Every file the kit writes goes through
:func:`atomic_write`: a reader never sees half a file, and a failure leaves the old
one as it was; :func:`write_together` replaces several files as one. :func:`folder_lock`
makes the processes that write in one folder (batches, imports) take turns. Temporary
files and kernel connection files live in :func:`run_folder`, a private folder outside
the project, removed on every exit path.
"""

from __future__ import annotations

import errno
import fcntl
import glob
import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from impact_kit.exceptions import InvalidArgument
from impact_kit.interrupts import held

__all__ = [
    "RUN_PREFIX",
    "alive",
    "atomic_write",
    "check_writable",
    "folder_lock",
    "relative_to_cwd",
    "remove_stale_runs",
    "resolve_data",
    "run_folder",
    "write_together",
]

#: The name prefix of the kit's private run folders in the system's temporary folder.
RUN_PREFIX = "impact-kit-run-"


def resolve_data(path: str | Path) -> Path:
    """Return the data folder ``path`` names, as an absolute path.

    A relative path is taken from the working directory if it exists there, otherwise
    from the nearest parent folder that has it: ``"data"`` names the project's data
    folder from the project root and from ``notebooks/`` alike. A Python package is never
    a data folder: from the package's own ``notebooks/``, ``"data"`` and ``"reports"`` are
    not its subpackages ``impact_kit/data`` and ``impact_kit/reports``. A path found
    nowhere is returned as given (absolute), so that the caller's error names it. A path
    with ``..`` is resolved: messages say ``data/sites.csv``, not ``notebooks/x/../../data/sites.csv``.
    """
    path = Path(path).expanduser()
    if path.is_absolute():
        return _without_dots(path)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        found = folder / path
        if found.exists() and not (found / "__init__.py").exists():
            return _without_dots(found)
    return _without_dots(here / path)


def _without_dots(path: Path) -> Path:
    """Return ``path`` without ``..`` (a working notebook's ``"../../data"``), so that messages name the folder."""
    return path.resolve() if ".." in path.parts else path


def relative_to_cwd(path: str | Path) -> str:
    """Return ``path`` relative to the working directory (with ``..`` where it lies elsewhere), as text.

    What the executed notebook records, so that it re-runs from the same place in another
    checkout or on another machine.
    """
    return os.path.relpath(Path(path).resolve(), Path.cwd().resolve())


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", **kwargs: object) -> Iterator[io.IOBase]:
    """Open a temporary file beside ``path`` and rename it over ``path`` on success.

    A reader never sees a half-written file, and a failure leaves ``path`` as it was; an
    ``OSError`` that names no file (a full disk during a write) is raised again naming ``path``.
    The temporary file is named ``.<name>.<pid>-<random>.tmp``: one left by a process that
    was killed (kill -9, a timeout) is removed by the next write of the same file.
    """
    path = Path(path)
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:  # type: ignore[call-overload]
            yield handle
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if named := _naming(exc, path):
            raise named from None
        raise


def write_together(contents: Mapping[Path, bytes]) -> None:
    """Replace several files as one: each is written whole beside itself, then all are renamed over, in order.

    A failure while writing (a full disk, a Ctrl-C) leaves every file as it was and no
    temporary file; the renames that follow need no space. Processes that read the files
    while others may write them hold :func:`folder_lock` on their folder: they never see
    some renamed and others not. Put first the file whose new version alone does no harm.

    Raises
    ------
    OSError
        Naming the file that could not be written.
    """
    temps: list[str] = []
    try:
        for path, payload in contents.items():
            fd, tmp = _temporary(Path(path))
            temps.append(tmp)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(payload)
            except OSError as exc:
                if named := _naming(exc, Path(path)):
                    raise named from None
                raise
        for tmp, path in zip(temps, contents, strict=True):
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps:
            Path(tmp).unlink(missing_ok=True)
        raise


def _temporary(path: Path) -> tuple[int, str]:
    """Create the temporary file ``path`` is written to (``.<name>.<pid>-<random>.tmp`` beside it); return it open."""
    if path.is_dir():  # say so now, naming it: the rename would fail naming the temporary file
        raise IsADirectoryError(errno.EISDIR, "this is a folder, not a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp")
    # mkstemp makes the file private; give it the mode a plain open() would (or the old file's).
    os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
    return fd, tmp


def _naming(exc: BaseException, path: Path) -> OSError | None:
    """For an ``OSError`` that names no file (a write() on a full disk), return the same error naming ``path``."""
    if isinstance(exc, OSError) and exc.filename is None:
        return type(exc)(exc.errno, exc.strerror, str(path))
    return None


@contextmanager
def folder_lock(folder: str | Path, *, busy: str | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` for the block: other processes asking for it wait, or are refused.

    The lock is the folder's own (``flock``): no lock file to leave behind, and it is
    released on every exit path, a killed process's included.

    Parameters
    ----------
    folder : str or Path
        An existing folder.
    busy : str, optional
        Refuse at once with this message when another process holds the lock; without
        it, wait until the lock is released.

    Raises
    ------
    InvalidArgument
        With ``busy``, if another process holds the lock.
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (fcntl.LOCK_NB if busy is not None else 0))
        except BlockingIOError:
            raise InvalidArgument(busy) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _remove_stale_temps(path: Path) -> None:
    """Remove the temporary files of ``path`` whose writer's process is gone."""
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = tmp.name[len(path.name) + 2 :].split("-", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            tmp.unlink(missing_ok=True)


def check_writable(folder: str | Path) -> None:
    """Check that files can be created in ``folder`` (or where it would be created), leaving nothing behind.

    Raises
    ------
    OSError
        ``NotADirectoryError`` if a file stands where a folder is needed, or what the file
        system says (read-only, no permission, no space).
    """
    existing = Path(folder).resolve()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "this is a file, not a folder", str(existing))
    fd, probe = tempfile.mkstemp(dir=existing, prefix=".impact-kit-probe-")
    os.close(fd)
    os.unlink(probe)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def run_folder() -> Iterator[Path]:
    """Yield a new private folder (mode 0700) for one run's temporary and kernel files; remove it at the end.

    It lives in the system's temporary folder, never in the project or the package, and
    holds the run's process id in its name so that :func:`remove_stale_runs` can tell a
    dead run's folder from a live one.
    """
    remove_stale_runs()
    folder = None
    try:
        with held():  # a Ctrl-C as the folder is made is delivered here, where the folder is ours to remove
            folder = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-"))
        yield folder
    finally:
        if folder is not None:
            with held():  # a Ctrl-C here is delivered once the folder is gone, not halfway through removing it
                _remove_folder(folder)


def _remove_folder(folder: Path) -> None:
    """Remove ``folder``, again if a process that was stopping (a kernel) wrote into it meanwhile."""
    for _ in range(20):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.05)


def remove_stale_runs() -> list[Path]:
    """Remove the run folders left by runs that were killed (their process is gone); return them."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{RUN_PREFIX}*"):
        pid = folder.name.removeprefix(RUN_PREFIX).split("-", 1)[0]
        try:  # another process may remove it at the same moment
            mine = folder.is_dir() and folder.stat().st_uid == os.getuid()
        except OSError:
            continue
        if pid.isdigit() and mine and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def alive(pid: int) -> bool:
    """Tell whether a process ``pid`` exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

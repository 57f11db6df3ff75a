"""The kit's exceptions: one base class, one subclass per kind of failure.

Every error carries a message meant for an evaluator (what happened, where, what
to do) and, where it applies, structured fields so that code can act on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ExecutionTimeout",
    "GridError",
    "ImpactKitError",
    "ImportFailed",
    "InputProblem",
    "InvalidArgument",
    "InvalidData",
    "MissingDependency",
    "NotFound",
    "ReportFailed",
    "WorkerCrashed",
]


#: The most lines an error shows in a notebook cell (see :meth:`ImpactKitError._render_traceback_`).
CELL_LINES = 3


class ImpactKitError(Exception):
    """Base class of every error the kit raises on purpose.

    Every subclass survives pickling whole, whatever its ``__init__`` takes: a batch's
    child (a fork, a Dask worker) sends its error to the parent with the same type,
    message and fields (``problems``, ``notebook``, ``seconds``...) and notes.

    In IPython and Jupyter a cell that raises one shows its message, not a traceback
    through the kit's code: the message says what to do. ``%debug`` still opens the
    debugger at the raise, and ``sys.last_value`` holds the error.
    """

    def __reduce__(self) -> tuple[object, ...]:
        return _rebuild, (type(self), self.args, dict(self.__dict__))

    def _render_traceback_(self) -> list[str]:
        """Return the lines IPython shows instead of the traceback: the error's name and message, in 1-3 lines."""
        lines = str(self).splitlines() or [""]
        if len(lines) > CELL_LINES:
            hidden = len(lines) - (CELL_LINES - 1)
            lines = [*lines[: CELL_LINES - 1], f"... and {hidden} more lines: print(sys.last_value) shows them all."]
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {lines[0]}", *lines[1:]]


def _rebuild(cls: type[ImpactKitError], args: tuple[object, ...], state: dict[str, object]) -> ImpactKitError:
    """Unpickle an error without calling its ``__init__`` (whose parameters are not its ``args``)."""
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InvalidArgument(ImpactKitError, ValueError):
    """Raised when a function is called with a value it does not take (a language, a section name...)."""


class NotFound(ImpactKitError):
    """Raised when what is asked for is not in the data or the grid: a site, a year, a level, a chart."""


class GridError(ImpactKitError):
    """Raised when a grid file is unreadable or inconsistent (duplicate ids, missing labels...)."""


@dataclass(frozen=True)
class InputProblem:
    """One problem found in an input file.

    Attributes
    ----------
    file : str
        The file's name as the user knows it.
    message : str
        What is wrong and what to do, as a whole sentence.
    row : int | None
        The row number as a spreadsheet shows it (the header is row 1).
    column : str | None
        The column's name.
    value : str | None
        The offending value, verbatim.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column `{self.column}`")
        return f"{', '.join(where)}: {self.message}"


class InvalidData(ImpactKitError):
    """Raised when input files fail validation; ``problems`` lists every problem found.

    Parameters
    ----------
    problems : list of InputProblem
        Every problem found, in file then row order.
    limit : int
        How many problems the message lists before summarising the rest.
    """

    def __init__(self, problems: list[InputProblem], *, limit: int = 50) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems.")
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found in the input data:"
        super().__init__("\n".join([head, *lines]))

    @classmethod
    def single(cls, file: str | Path, message: str, **where: object) -> InvalidData:
        """Build the error for one problem (``row``, ``column``, ``value`` keywords)."""
        return cls([InputProblem(str(file), message, **where)])  # type: ignore[arg-type]


class ImportFailed(ImpactKitError):
    """Raised when an import cannot be done as asked (nothing has been written)."""


class MissingDependency(ImpactKitError):
    """Raised when a command needs a tool that is not installed (Chromium for ``--pdf``); nothing is written."""


class ReportFailed(ImpactKitError):
    """Raised when a report could not be produced; ``notebook`` is the executed notebook, if any."""

    def __init__(self, message: str, *, notebook: Path | None = None) -> None:
        super().__init__(message)
        self.notebook = notebook


class WorkerCrashed(ImpactKitError):
    """Raised when an isolated worker process died without a result (killed by a signal, out of memory).

    ``pid`` is the process that died, when known (its run folder holds what it left).
    """

    pid: int | None = None


class ExecutionTimeout(ImpactKitError, TimeoutError):
    """Raised when a notebook or job ran longer than its timeout and was stopped; ``seconds`` is the limit."""

    pid: int | None = None  # the process that was stopped, when it was a child

    def __init__(self, message: str, *, seconds: float | None = None) -> None:
        super().__init__(message)
        self.seconds = seconds

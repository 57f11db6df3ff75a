"""Which notebooks the impact-kit engines run themselves, and which go to papermill's own engine.

The engines run a notebook with IPython in the kit's own interpreter. That is what a
kernel would do only if the notebook's kernel is an IPython kernel of this very
interpreter: ``kernel_name`` must name a kernelspec whose command is ``<this python> -m
ipykernel_launcher -f {connection_file}`` (``python`` stands for the interpreter that
starts it, as jupyter_client reads it), with no environment of its own. A notebook that
uses widgets needs a kernel too (comms, ``metadata.widgets``). Anything else runs on
papermill's own engine, after a one-line notice: :func:`kernel_problem` says why.
"""

from __future__ import annotations

import os
import re
import sys

from nbformat import NotebookNode

__all__ = ["kernel_problem"]

#: ``argv[0]`` values that jupyter_client replaces by the interpreter that starts the kernel.
_THIS_PYTHON = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
#: What follows the interpreter in an IPython kernel's command (``python -m ipykernel install`` writes it).
_IPYKERNEL_ARGS = tuple(["-m", launcher, "-f", "{connection_file}"] for launcher in ("ipykernel_launcher", "ipykernel"))
#: A code cell that uses widgets (they need a kernel's comms to show and to be saved).
_WIDGETS = re.compile(r"^\s*(?:import|from)\s+(?:ipywidgets|tqdm\.notebook)\b", re.MULTILINE)


def _same_python(command: str) -> bool:
    if command in _THIS_PYTHON:
        return True
    here = os.path.abspath(sys.executable)
    there = os.path.abspath(os.path.expanduser(command))
    if there == here:
        return True
    # python and python3 in the same bin folder; not a symlink to the same binary elsewhere (another venv)
    return os.path.dirname(there) == os.path.dirname(here) and os.path.exists(there) and os.path.samefile(there, here)


def kernel_problem(nb: NotebookNode, kernel_name: str | None) -> str | None:
    """Return why ``nb`` needs a real kernel to run as papermill runs it, or None if the kit's engines can run it.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook papermill is about to run.
    kernel_name : str, optional
        The kernel papermill would start (``-k``, or the notebook's kernelspec).

    Returns
    -------
    str or None
        A short reason ("its kernel 'ir' runs R"), or None.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    if nb.metadata.get("widgets"):
        return "it has saved widget state (metadata.widgets)"
    if any(c.cell_type == "code" and _WIDGETS.search(c.source) for c in nb.cells):
        return "it uses widgets"
    if not kernel_name:
        return "it names no kernel"
    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        return f"there is no kernel named {kernel_name!r}"
    if spec.language.lower() != "python":
        return f"its kernel {kernel_name!r} runs {spec.language}"
    argv = list(spec.argv)
    if not argv or not _same_python(argv[0]):
        return f"its kernel {kernel_name!r} runs another Python ({argv[0] if argv else 'no command'})"
    if argv[1:] not in _IPYKERNEL_ARGS:
        return f"its kernel {kernel_name!r} starts with options of its own ({' '.join(argv[1:])})"
    if spec.env:
        return f"its kernel {kernel_name!r} sets environment variables ({', '.join(sorted(spec.env))})"
    return None

"""pytest plugin: papermill's own test suite, with papermill's default engine replaced by one of the kit's.

tests/test_papermill_suite.py runs ``pytest --pyargs papermill.tests -p impact_kit_papermill``
with this folder on PYTHONPATH and ``IMPACT_KIT_PAPERMILL_ENGINE`` set to ``impact-kit`` or
``impact-kit-inprocess``: every test that runs a notebook without naming an engine then
runs it on that engine, in this process and (through sitecustomize.py beside this file)
in the papermill commands the suite starts. ``nbclient`` keeps papermill's own engine, to
show that the tests of :data:`BROKEN_UPSTREAM` fail there too.

Tests listed here are expected to fail (strict: one that passes fails the run), each
with its reason; every other test must pass.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

#: Tests that replace papermill's nbclient client (papermill.engines.PapermillNotebookClient) by a
#: mock and read what it was built with: the kit's engines build no such client.
MOCKS_NBCLIENT = {
    "test_execute.py::TestNotebookHelpers::test_start_timeout": (
        "mocks papermill.engines.PapermillNotebookClient and reads its startup_timeout; the kit's engines start no kernel"
    ),
    "test_execute.py::TestNotebookHelpers::test_default_start_timeout": (
        "mocks papermill.engines.PapermillNotebookClient and reads its arguments; the kit's engines build no client"
    ),
}
#: Tests that fail with papermill's own engine too, with the libraries the kit installs.
BROKEN_UPSTREAM = {
    "test_execute.py::TestBrokenNotebook2::test": (
        "broken2.ipynb imports display from IPython.core.display, which IPython 9 removed: an ImportError "
        "comes before the display_data the test expects, on papermill's own engine too"
    ),
}
#: Modules left out: they test papermill's cloud storage handlers (Azure Blob, Azure Data Lake, S3, GCS)
#: with those SDKs, which the kit does not install; none runs a notebook or an engine.
CLOUD_STORAGE = {"test_abs.py", "test_adl.py", "test_s3.py", "test_gcs.py"}

ENGINE = os.environ.get("IMPACT_KIT_PAPERMILL_ENGINE", "")
runs = {"kit_engine": 0}


def use_kit_engine() -> None:
    """Make the engine named by IMPACT_KIT_PAPERMILL_ENGINE papermill's default (a subclass that counts its runs)."""
    from papermill.engines import papermill_engines

    if ENGINE in ("", "nbclient"):
        return
    engine = papermill_engines.get_engine(ENGINE)

    class Counted(engine):  # type: ignore[misc, valid-type]
        @classmethod
        def execute_managed_notebook(cls, *args: Any, **kwargs: Any) -> Any:
            runs["kit_engine"] += 1
            return super().execute_managed_notebook(*args, **kwargs)

    papermill_engines.register(None, Counted)


def pytest_configure(config: pytest.Config) -> None:
    use_kit_engine()


def pytest_ignore_collect(collection_path: Any, config: pytest.Config) -> bool | None:
    return True if collection_path.name in CLOUD_STORAGE else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    expected = BROKEN_UPSTREAM if ENGINE == "nbclient" else MOCKS_NBCLIENT | BROKEN_UPSTREAM
    for item in items:
        name = f"{item.path.name}::{item.nodeid.split('::', 1)[1]}"
        if name in expected:
            item.add_marker(pytest.mark.xfail(reason=expected[name], strict=True))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    report = os.environ.get("IMPACT_KIT_PAPERMILL_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as handle:
            json.dump(
                {"engine": ENGINE, "kit_engine_runs": runs["kit_engine"], "tests": session.testscollected}, handle
            )

"""The project's own contracts: public API, pyproject and environment.yml in step."""

from __future__ import annotations

import importlib
import pkgutil
import re
import tomllib
from pathlib import Path

import pytest
import yaml

import impact_kit

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    ["impact_kit"] + [m.name for m in pkgutil.walk_packages(impact_kit.__path__, "impact_kit.") if not m.ispkg]
)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_defined(name):
    module = importlib.import_module(name)
    # isort-style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    assert module.__all__ == sorted(module.__all__, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.{public}"


def test_package_reexports_its_public_names():
    assert {"load_grid", "load_observations", "load_sites", "slugify", "ImpactKitError"} <= set(impact_kit.__all__)
    assert {"SiteReport", "load_dataset", "run_report", "default_grid", "sites"} <= set(impact_kit.__all__)


def test_every_module_is_checked_and_short():
    """One job per module: each under about 400 lines (STYLE.md)."""
    assert len(MODULES) > 20
    for name in MODULES:
        path = Path(importlib.import_module(name).__file__)
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 450, name


def test_every_exception_is_in_the_one_hierarchy():
    from impact_kit import exceptions

    for name in exceptions.__all__:
        value = getattr(exceptions, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, exceptions.ImpactKitError), name


def _name(requirement: str) -> tuple[str, str]:
    match = re.match(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)", requirement)
    assert match, requirement
    return match.group(1).lower().replace("_", "-"), match.group(3).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = dict(_name(r) for r in project["dependencies"])
    wanted |= dict(_name(r) for r in project["optional-dependencies"]["dev"])
    wanted["python"] = ">=" + project["requires-python"].removeprefix(">=")
    for requirement in project["optional-dependencies"]["distributed"]:
        name, spec = _name(requirement)
        wanted |= {"dask": spec, "distributed": spec} if name == "dask" else {name: spec}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = dict(_name(d) for d in env["dependencies"] if isinstance(d, str) and d != "pip")
    [pip] = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip[0] == "-e .[dev,distributed]"
    conda |= dict(_name(d) for d in pip[1:])  # the few that conda-forge does not package come from PyPI
    assert conda == wanted


def _layout_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    return block.splitlines()


def test_readme_layout_lists_every_subpackage_and_module_of_the_tree():
    listed = {line.split()[0] for line in _layout_block() if line.startswith("  ") and line.strip()[:1].isalpha()}
    package = ROOT / "impact_kit"
    tree = {f"{p.parent.name}/" for p in package.glob("*/__init__.py")}
    tree |= {p.name for p in package.glob("*.py") if p.name != "__init__.py"}
    assert listed == tree  # every subpackage and top module in one line, and nothing that is not there


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("impact_kit.portfolio", "impact_kit.indicators.table"),
        ("impact_kit.redaction", "impact_kit.text.masking"),
        ("impact_kit.programme", "impact_kit.indicators.programme"),
        ("impact_kit.sections", "impact_kit.reports.site"),
    ],
)
def test_a_module_of_0_2_names_its_new_place(old, new):
    import impact_kit

    with pytest.raises(ModuleNotFoundError, match=f"{old} moved to {new} .*CHANGELOG"):
        importlib.import_module(old)
    assert importlib.import_module(new)
    for moved, place in impact_kit.MOVED.items():  # every new place exists
        assert importlib.util.find_spec(place) is not None, moved


def test_the_engines_import_before_papermill_in_a_fresh_process():
    import subprocess
    import sys

    # papermill imports its engines' entry points (ours among them) when papermill.engines is first imported.
    code = "import impact_kit.engine.engines as e; import papermill.engines as p; assert p.papermill_engines.get_engine('impact-kit') is e.ForkEngine"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from impact_kit.grid import Grid, default_grid

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data"
REFERENCE = ROOT.parent / "shared" / "reference" / "commune-mesure"
OLDER_PLACES = ["Aquarium.json", "Coco_velten.json", "Le-6b.json", "Maison-Montreau.json"]


@pytest.fixture(scope="session")
def grid() -> Grid:
    return default_grid()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the sample data folder."""
    target = tmp_path / "data"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture(scope="session")
def reference() -> Path:
    """The real Commune Mesure files of ../shared (third-party data: read, never copied)."""
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference/commune-mesure is absent: the real platform files are not here")
    return REFERENCE


def write_csv(path: Path, header: str, *rows: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, to check that a failed command changed nothing."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

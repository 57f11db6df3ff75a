"""A place read from a platform's or a survey's file, before it is written as sites and observations."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from impact_kit.data.observations import slugify

__all__ = ["Place"]


@dataclass
class Place:
    """A place read from a platform file, its answers mapped to the grid."""

    path: Path
    name: str
    city: str
    postcode: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # criterion, question, value
    kept_keys: dict[str, str] = field(default_factory=dict)  # platform key the grid lacks -> criterion
    site_id: str | None = None

    @property
    def site(self) -> str:
        """The place's site id: the one the import gave it, else the slug of its name."""
        return self.site_id or slugify(self.name)

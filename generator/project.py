"""Where a certgen repository keeps its parts: schemas/, data/ and requests/ under one root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError

MARKER = Path("schemas") / "request.schema.json"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def schema_dir(self) -> Path:
        return self.root / "schemas"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def requests_dir(self) -> Path:
        return self.root / "requests"

    @classmethod
    def find(cls, start: Path) -> Project:
        """The repository holding ``start``: the nearest folder with schemas/request.schema.json."""
        start = start.resolve()
        for folder in (start, *start.parents):
            if (folder / MARKER).is_file():
                return cls(folder)
        raise UsageError(
            f"{start} is not inside a certgen repository (no {MARKER} found); "
            "run certgen from the repository or pass --project"
        )

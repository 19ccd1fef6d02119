"""Where a certgen repository keeps its parts: schemas/, data/ and requests/ under one root."""

from __future__ import annotations

import hashlib
import os
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

    @property
    def signing_dir(self) -> Path:
        """The certifier's signing certificates (public; never a private key): data/signing/."""
        return self.data_dir / "signing"

    @property
    def records_dir(self) -> Path:
        """Issued certificates' records, frozen as issued: ``records/<year>/<id>.json``."""
        return self.root / "records"

    def frozen_record(self, request_id: str) -> Path:
        """Where the record of ``request_id`` (``XX-<year>-<n>``) is kept once issued."""
        year = request_id.split("-")[1] if request_id.count("-") == 2 else "other"
        return self.records_dir / year / f"{request_id}.json"

    @property
    def cache_dir(self) -> Path:
        """Where builds keep their caches: outside the repository, so that nothing a pull
        request commits can be taken for a cached result. ``CERTGEN_CACHE_DIR`` (else
        ``$XDG_CACHE_HOME/certgen``, else ``~/.cache/certgen``) holds one folder a repository."""
        base = os.environ.get("CERTGEN_CACHE_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "certgen"
        )
        name = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:16]
        return Path(os.path.expanduser(base)) / name

    @property
    def sources(self) -> tuple[Path, ...]:
        """The folders a build reads and must never write into."""
        names = ("schemas", "data", "requests", "records", "site", "generator", ".git", ".github")
        return tuple(self.root / name for name in names)

    def check_output_folder(self, out_dir: Path) -> None:
        """Refuse an output folder that is, holds or lies inside one of the sources or the
        caches: a build removes the files it no longer makes, and must not touch what it is
        built from."""
        out = out_dir.resolve()
        if out == self.root.resolve():
            raise UsageError(
                f"{out_dir} is the repository itself; choose a folder such as build/site"
            )
        for source in (*self.sources, self.cache_dir):
            source = source.resolve()
            if out == source or source in out.parents or out in source.parents:
                raise UsageError(
                    f"{out_dir} overlaps {self._shown(source)}, which the build reads; "
                    "choose another output folder, such as build/site"
                )

    def _shown(self, folder: Path) -> str:
        root = self.root.resolve()
        return f"{folder.relative_to(root)}/" if root in folder.parents else f"{folder}/"

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
